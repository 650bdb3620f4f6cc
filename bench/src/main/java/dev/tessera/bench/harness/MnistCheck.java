package dev.tessera.bench.harness;

import java.util.List;
import java.util.function.Supplier;

import dev.tessera.backend.Backend;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvAlgorithms;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.CompiledGraph;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.models.Model;
import dev.tessera.models.data.Mnist;
import dev.tessera.opencl.ClDevice;
import dev.tessera.reports.results.ResultRow;

/**
 * The MNIST row: LeNet-5 with the trained weights on the held-out test digits, on the benchmarked backend and, once
 * per run, on the double-precision reference.
 */
final class MnistCheck {
    /** Test images per run of the compiled model. */
    static final int BATCH = 8;

    /** Where the trained model and the test digits come from (tests substitute small ones). */
    record Source(Supplier<Model> trainedLenet5, Supplier<Mnist> testDigits) {
        /** The trained weights and NpmSplit's 2,000 held-out digits. */
        static Source standard() {
            return new Source(dev.tessera.models.TrainedWeights::lenet5Mnist,
                    () -> dev.tessera.models.data.NpmSplit.load().test());
        }
    }

    private final Source source;
    private Model model;
    private Mnist digits;
    private Integer referenceCorrect;

    MnistCheck(Source source) {
        this.source = source;
    }

    Harness.Task task(Harness harness, String backend, ClDevice device, ConvAlgorithm algorithm) {
        RowKey key = harness.key("mnist", backend, device, "lenet5", algorithm.id(), BATCH);
        return new Harness.Task("mnist " + backend + " " + (device == null ? "cpu" : "#" + device.index()),
                harness.weight("lenet5", 1), List.of(key), () -> List.of(run(harness, key, backend, device,
                        algorithm)));
    }

    private ResultRow run(Harness harness, RowKey key, String backendName, ClDevice device, ConvAlgorithm algorithm) {
        long start = System.nanoTime();
        if (model == null) {
            model = source.trainedLenet5().get();
            digits = source.testDigits().get();
        }
        if (referenceCorrect == null) {
            referenceCorrect = correct(new ReferenceBackend(), model, digits, null);
        }
        Backend backend = harness.backend(backendName, device);
        try (CompiledGraph graph = model.compile(backend, BATCH, ConvAlgorithms.of(algorithm))) {
            int correct = correct(backend, model, digits, graph);
            int n = digits.size();
            return key.row().ranOn(graph.ranOn())
                    .mnist(new ResultRow.MnistResult(n, correct, (double) correct / n, (double) referenceCorrect / n))
                    .elapsedS((System.nanoTime() - start) / 1e9).build();
        }
    }

    /**
     * How many digits are classified as labelled: every digit in batches of {@link #BATCH} (the last batch is padded with copies of its first image,
     * whose predictions are not counted) with {@code graph}, or with {@code backend} layer by layer when graph is null.
     */
    static int correct(Backend backend, Model model, Mnist digits, CompiledGraph graph) {
        int correct = 0;
        for (int from = 0; from < digits.size(); from += BATCH) {
            int count = Math.min(BATCH, digits.size() - from);
            Mnist.Batch batch = digits.batch(from, count);
            Tensor images = count == BATCH ? batch.images() : padded(batch.images(), count);
            Tensor out = graph == null ? model.forward(backend, images) : graph.run(images);
            int classes = out.size() / BATCH;
            for (int i = 0; i < count; i++) {
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    if (out.data()[i * classes + c] > out.data()[i * classes + best]) {
                        best = c;
                    }
                }
                correct += best == batch.labels()[i] ? 1 : 0;
            }
        }
        return correct;
    }

    private static Tensor padded(Tensor images, int count) {
        int per = images.size() / count;
        float[] data = new float[BATCH * per];
        System.arraycopy(images.data(), 0, data, 0, images.size());
        for (int i = count; i < BATCH; i++) {
            System.arraycopy(images.data(), 0, data, i * per, per);
        }
        int[] s = images.shape();
        return new Tensor(data, BATCH, s[1], s[2], s[3]);
    }
}
