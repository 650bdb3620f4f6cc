package dev.tessera.reports.results;

import java.util.List;

/**
 * One configuration of a run: a scenario on one (backend, device, model, algorithm, batch). Sections that do not apply
 * to the scenario, or that were not measured because the row failed, are null. See docs/RESULTS.md.
 *
 * @param id                  unique within the file: scenario/backend/device index/model/algorithm/batch
 * @param scenario            "latency", "throughput", "accuracy", "mnist" or "layers" (the CLBlast per-layer peer)
 * @param backend             "opencl", "aparapi", "reference", or a peer: "onnxruntime", "clblast"
 * @param deviceIndex         the OpenCL device's index; null for CPU peers and the reference
 * @param device              the device's name ("cpu" for ONNX Runtime)
 * @param ranOn               where it actually ran: "opencl:&lt;device&gt;", "java-thread-pool", "reference-java",
 *                            "onnxruntime-cpu"; null when it never ran
 * @param model               model name
 * @param inputShape          [C, H, W] of one image
 * @param algorithm           convolution algorithm asked for ("auto", "direct", ...; "-" for peers)
 * @param batch               images per run
 * @param status              "ok", "unsupported", "error" or "interrupted"
 * @param reason              why it is not ok; empty when ok
 * @param notes               what the user must be told (AUTO's choices, fallbacks), may be empty
 * @param preparation         one-time costs (build, prepare, tune), never inside the timings
 * @param endToEndMs          per-run wall time with host transfers (latency, throughput)
 * @param residentMs          per-run wall time with input and output on the device (latency, throughput)
 * @param imagesPerSecondEndToEnd  images / total end-to-end time over the timed window (throughput)
 * @param imagesPerSecondResident  images / total resident time over the timed window (throughput)
 * @param layers              per-layer breakdown of the resident runs (latency), or the peer's per-layer times
 *                            (layers)
 * @param layerCheck          per-layer times against the run's wall time (latency)
 * @param latencyCheck        images/s at batch 1 against 1000 / median latency (throughput at batch 1)
 * @param accuracy            against the double-precision reference (accuracy)
 * @param mnist               MNIST test accuracy with trained weights (mnist)
 * @param peerComparisons     our figure divided by a peer's for the same metric, inputs and batch
 * @param elapsedS            wall seconds this row took to measure, preparation included
 */
public record ResultRow(String id, String scenario, String backend, Integer deviceIndex, String device, String ranOn,
        String model, List<Integer> inputShape, String algorithm, int batch, String status, String reason,
        List<String> notes, Preparation preparation, Distribution endToEndMs, Distribution residentMs,
        Double imagesPerSecondEndToEnd, Double imagesPerSecondResident, List<LayerEntry> layers, LayerCheck layerCheck,
        LatencyCheck latencyCheck, AccuracyResult accuracy, MnistResult mnist, List<PeerComparison> peerComparisons,
        double elapsedS) {
    public static final String OK = "ok";
    public static final String UNSUPPORTED = "unsupported";
    public static final String ERROR = "error";
    public static final String INTERRUPTED = "interrupted";

    /**
     * One-time costs in host milliseconds.
     *
     * @param buildMs   building or loading programs
     * @param prepareMs allocating, uploading and transforming weights
     * @param tuneMs    AUTO timing candidates (0 when the tuning database answered)
     * @param totalMs   the sum
     */
    public record Preparation(double buildMs, double prepareMs, double tuneMs, double totalMs) {
    }

    /**
     * One layer: medians over the timed resident runs.
     *
     * @param node           layer name
     * @param operator       operator name
     * @param algorithm      what actually ran
     * @param note           AUTO's choice or a fallback; may be empty
     * @param macs           multiply-accumulates of the whole batch (conv and fc; 0 otherwise)
     * @param kernelMs       device time from OpenCL profiling events (null where no OpenCL device ran it)
     * @param wallMs         host wall time of the layer
     * @param gflops         2 x macs / time (kernel time where there is one, wall time otherwise); null for 0 MACs
     * @param shareOfTotal   this layer's time over the sum of all layers' times (kernel where there is one)
     * @param clblastMs      the CLBlast im2col + SGEMM peer on the same layer (conv layers, batch 1), device time
     * @param ratioToClblast kernelMs / clblastMs (below 1: ours is faster)
     */
    public record LayerEntry(String node, String operator, String algorithm, String note, long macs, Double kernelMs,
            double wallMs, Double gflops, double shareOfTotal, Double clblastMs, Double ratioToClblast) {
    }

    /**
     * Per-layer times summed against the wall time of the same resident runs (medians).
     *
     * @param kernelSumMs     sum of the layers' kernel times (null without events)
     * @param layerWallSumMs  sum of the layers' wall times
     * @param runWallMs       the run's wall time
     * @param kernelToWall    kernelSumMs / runWallMs: the share the kernels are of the run (at most 1)
     * @param layerWallToWall layerWallSumMs / runWallMs: at most 1, the rest is the graph's own overhead
     * @param consistent      kernelToWall and layerWallToWall at most 1 + {@link #TOLERANCE}
     */
    public record LayerCheck(Double kernelSumMs, double layerWallSumMs, double runWallMs, Double kernelToWall,
            double layerWallToWall, boolean consistent) {
        public static final double TOLERANCE = 0.05;
    }

    /**
     * Throughput at batch 1 against the latency row of the same configuration.
     *
     * @param latencyRowId      the latency row compared with
     * @param basis             "resident" where both rows have resident figures, else "end_to_end"
     * @param imagesPerSecond   this row's images/s on that basis
     * @param impliedImagesPerSecond 1000 / the latency row's median on that basis
     * @param ratio             imagesPerSecond / impliedImagesPerSecond
     * @param consistent        |ratio - 1| at most {@link #TOLERANCE}
     */
    public record LatencyCheck(String latencyRowId, String basis, double imagesPerSecond,
            double impliedImagesPerSecond, double ratio, boolean consistent) {
        public static final double TOLERANCE = 0.25;
    }

    /**
     * Outputs against the double-precision reference on the same seeded weights and inputs.
     *
     * @param images             images compared (each run at batch 1)
     * @param relativeL2Mean     mean over images of ||out - ref||2 / ||ref||2 of the final output
     * @param relativeL2Max      the worst image's relative L2 error
     * @param maxAbs             largest absolute difference over all images and outputs
     * @param top1Agreed         images whose arg-max matches the reference's
     * @param top1Agreement      top1Agreed / images
     * @param perLayerImages     the first this many images are compared layer by layer (fewer than images only when
     *                           the reference's activations would not fit the memory budget)
     * @param perLayer           every layer's output error (worst over those images), in layer order, to show drift;
     *                           empty for peers that give only the final output
     * @param nonFiniteOutputs   output values (over all images) that are NaN or infinite: with finite inputs, a sign
     *                           that the backend computed nonsense (0 in files written before this field)
     */
    public record AccuracyResult(int images, double relativeL2Mean, double relativeL2Max, double maxAbs,
            int top1Agreed, double top1Agreement, int perLayerImages, List<LayerError> perLayer,
            long nonFiniteOutputs) {
    }

    /** One layer's output against the reference's: worst relative L2 and max absolute error over the images. */
    public record LayerError(String node, double relativeL2, double maxAbs) {
    }

    /**
     * MNIST test accuracy of LeNet-5 with the trained weights.
     *
     * @param images             test digits (NpmSplit's 2,000 held-out)
     * @param correct            predictions equal to the label
     * @param accuracy           correct / images
     * @param referenceAccuracy  the same on the double-precision reference
     */
    public record MnistResult(int images, int correct, double accuracy, double referenceAccuracy) {
    }

    /**
     * Our figure divided by a peer's for the same metric, inputs and batch.
     *
     * @param peer    "onnxruntime" or "clblast"
     * @param peerRowId the peer's row
     * @param metric  the peer row's field, e.g. "end_to_end_ms.median", "images_per_second_end_to_end"
     * @param ours    our value
     * @param theirs  the peer's value
     * @param ratio   ours / theirs (for times below 1 means we are faster, for images/s above 1)
     */
    public record PeerComparison(String peer, String peerRowId, String metric, double ours, double theirs,
            double ratio) {
    }
}
