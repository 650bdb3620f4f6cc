package dev.tessera.bench.harness;

import java.util.List;

import dev.tessera.reports.results.ResultRow;

/**
 * What identifies a row, known before it runs (so that an interrupted run can still list it).
 *
 * @param scenario    "latency", "throughput", "accuracy", "mnist", "layers"
 * @param backend     backend or peer name
 * @param deviceIndex OpenCL device index, null for the CPU peers and the reference
 * @param device      device name ("cpu" where there is no OpenCL device)
 * @param model       model name
 * @param inputShape  [C, H, W]
 * @param algorithm   convolution algorithm asked for, "-" for peers
 * @param batch       images per run
 */
public record RowKey(String scenario, String backend, Integer deviceIndex, String device, String model,
        List<Integer> inputShape, String algorithm, int batch) {
    public static final String NO_ALGORITHM = "-";

    public RowKey {
        inputShape = List.copyOf(inputShape);
    }

    /** scenario/backend/device index (or "cpu")/model/algorithm/bBATCH. */
    public String id() {
        return scenario + "/" + backend + "/" + (deviceIndex == null ? "cpu" : deviceIndex) + "/" + model + "/"
                + algorithm + "/b" + batch;
    }

    public RowKey withScenario(String other, int otherBatch) {
        return new RowKey(other, backend, deviceIndex, device, model, inputShape, algorithm, otherBatch);
    }

    /** A row that did not measure anything: status unsupported, error or interrupted, with the reason. */
    public ResultRow failed(String status, String reason, double elapsedS) {
        return new RowBuilder(this).status(status, reason).elapsedS(elapsedS).build();
    }

    /** Builds a measured row for this key. */
    public RowBuilder row() {
        return new RowBuilder(this);
    }

    /** The mutable builder of a {@link ResultRow}; sections not set stay null. */
    public static final class RowBuilder {
        private final RowKey key;
        private String ranOn;
        private String status = ResultRow.OK;
        private String reason = "";
        private List<String> notes = List.of();
        private ResultRow.Preparation preparation;
        private dev.tessera.reports.results.Distribution endToEnd;
        private dev.tessera.reports.results.Distribution resident;
        private Double imagesPerSecondEndToEnd;
        private Double imagesPerSecondResident;
        private List<ResultRow.LayerEntry> layers;
        private ResultRow.LayerCheck layerCheck;
        private ResultRow.AccuracyResult accuracy;
        private ResultRow.MnistResult mnist;
        private double elapsedS;

        RowBuilder(RowKey key) {
            this.key = key;
        }

        public RowKey key() {
            return key;
        }

        public RowBuilder ranOn(String v) {
            ranOn = v;
            return this;
        }

        public RowBuilder status(String s, String why) {
            status = s;
            reason = why;
            return this;
        }

        public RowBuilder notes(List<String> v) {
            notes = List.copyOf(v);
            return this;
        }

        public RowBuilder preparation(ResultRow.Preparation v) {
            preparation = v;
            return this;
        }

        public RowBuilder endToEnd(dev.tessera.reports.results.Distribution v) {
            endToEnd = v;
            return this;
        }

        public RowBuilder resident(dev.tessera.reports.results.Distribution v) {
            resident = v;
            return this;
        }

        public RowBuilder imagesPerSecond(Double endToEndValue, Double residentValue) {
            imagesPerSecondEndToEnd = endToEndValue;
            imagesPerSecondResident = residentValue;
            return this;
        }

        public RowBuilder layers(List<ResultRow.LayerEntry> v, ResultRow.LayerCheck check) {
            layers = v == null ? null : List.copyOf(v);
            layerCheck = check;
            return this;
        }

        public RowBuilder accuracy(ResultRow.AccuracyResult v) {
            accuracy = v;
            return this;
        }

        public RowBuilder mnist(ResultRow.MnistResult v) {
            mnist = v;
            return this;
        }

        public RowBuilder elapsedS(double v) {
            elapsedS = v;
            return this;
        }

        public ResultRow build() {
            return new ResultRow(key.id(), key.scenario(), key.backend(), key.deviceIndex(), key.device(), ranOn,
                    key.model(), key.inputShape(), key.algorithm(), key.batch(), status, reason, notes, preparation,
                    endToEnd, resident, imagesPerSecondEndToEnd, imagesPerSecondResident, layers, layerCheck, null,
                    accuracy, mnist, List.of(), elapsedS);
        }
    }
}
