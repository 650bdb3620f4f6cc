package dev.tessera.reports.results;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;

/**
 * The CSV beside a results file: one line per {@link ResultRow} with its summary figures (no raw samples, no
 * per-layer rows). Columns are {@link Line}'s components in order, snake_case; empty cells where the row has no
 * such figure. See docs/RESULTS.md.
 */
public final class SummaryCsv {
    private static final CsvMapper MAPPER = CsvMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
    private static final CsvSchema SCHEMA = columnsInDeclarationOrder();

    private SummaryCsv() {
    }

    /** One CSV line. Times in milliseconds; "e2e" = end to end (host transfers included). */
    public record Line(String id, String scenario, String backend, Integer deviceIndex, String device, String ranOn,
            String model, String inputShape, String algorithm, int batch, String status, String reason,
            Double buildMs, Double prepareMs, Double tuneMs,
            Integer e2eN, Double e2eMedianMs, Double e2eMeanMs, Double e2eP90Ms, Double e2eP99Ms, Double e2eMinMs,
            Double e2eMaxMs, Double e2eRsd,
            Integer residentN, Double residentMedianMs, Double residentMeanMs, Double residentP90Ms,
            Double residentP99Ms, Double residentMinMs, Double residentMaxMs, Double residentRsd,
            Double imagesPerSecondEndToEnd, Double imagesPerSecondResident, Double kernelToWall, Double layerWallToWall,
            Boolean layerCheckConsistent, Double latencyCheckRatio, Boolean latencyCheckConsistent,
            Integer accuracyImages, Double relativeL2Mean, Double relativeL2Max, Double maxAbs, Double top1Agreement,
            Double mnistAccuracy, String peerRatios) {
        public static Line of(ResultRow r) {
            Distribution e = r.endToEndMs();
            Distribution d = r.residentMs();
            ResultRow.Preparation p = r.preparation();
            ResultRow.LayerCheck lc = r.layerCheck();
            ResultRow.LatencyCheck tc = r.latencyCheck();
            ResultRow.AccuracyResult a = r.accuracy();
            String ratios = r.peerComparisons() == null ? ""
                    : r.peerComparisons().stream().map(c -> c.peer() + ":" + c.metric() + "=" + c.ratio())
                            .collect(Collectors.joining(";"));
            return new Line(r.id(), r.scenario(), r.backend(), r.deviceIndex(), r.device(), r.ranOn(), r.model(),
                    r.inputShape() == null ? "" : r.inputShape().stream().map(String::valueOf)
                            .collect(Collectors.joining("x")),
                    r.algorithm(), r.batch(), r.status(), r.reason(),
                    p == null ? null : p.buildMs(), p == null ? null : p.prepareMs(), p == null ? null : p.tuneMs(),
                    e == null ? null : e.n(), e == null ? null : e.median(), e == null ? null : e.mean(),
                    e == null ? null : e.p90(), e == null ? null : e.p99(), e == null ? null : e.min(),
                    e == null ? null : e.max(), e == null ? null : e.rsd(),
                    d == null ? null : d.n(), d == null ? null : d.median(), d == null ? null : d.mean(),
                    d == null ? null : d.p90(), d == null ? null : d.p99(), d == null ? null : d.min(),
                    d == null ? null : d.max(), d == null ? null : d.rsd(),
                    r.imagesPerSecondEndToEnd(), r.imagesPerSecondResident(), lc == null ? null : lc.kernelToWall(),
                    lc == null ? null : lc.layerWallToWall(), lc == null ? null : lc.consistent(),
                    tc == null ? null : tc.ratio(), tc == null ? null : tc.consistent(),
                    a == null ? null : a.images(), a == null ? null : a.relativeL2Mean(),
                    a == null ? null : a.relativeL2Max(), a == null ? null : a.maxAbs(),
                    a == null ? null : a.top1Agreement(), r.mnist() == null ? null : r.mnist().accuracy(), ratios);
        }
    }

    private static CsvSchema columnsInDeclarationOrder() {
        CsvSchema.Builder columns = CsvSchema.builder();
        var snakeCase = new PropertyNamingStrategies.SnakeCaseStrategy();
        for (var component : Line.class.getRecordComponents()) {
            columns.addColumn(snakeCase.translate(component.getName()));
        }
        return columns.build().withHeader();
    }

    public static byte[] toBytes(List<ResultRow> rows) {
        List<Line> lines = new ArrayList<>();
        for (ResultRow r : rows) {
            lines.add(Line.of(r));
        }
        try {
            return MAPPER.writer(SCHEMA).writeValueAsBytes(lines);
        } catch (IOException e) {
            throw new IllegalStateException("could not write the summary CSV: " + e.getMessage(), e);
        }
    }

    public static List<Line> read(byte[] csv) throws IOException {
        try (var it = MAPPER.readerFor(Line.class).with(SCHEMA).<Line>readValues(csv)) {
            return it.readAll();
        }
    }
}
