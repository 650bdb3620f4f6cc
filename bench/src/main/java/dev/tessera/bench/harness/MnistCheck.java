package dev.tessera.bench.harness;

import java.util.List;

import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.opencl.ClDevice;
import dev.tessera.reports.results.ResultRow;

/**
 * The MNIST row: LeNet-5 with the trained weights on the 2,000 held-out digits of {@code NpmSplit}, on the
 * benchmarked backend and on the reference.
 */
final class MnistCheck {
    private MnistCheck() {
    }

    static Harness.Task task(Harness harness, String backend, ClDevice device, ConvAlgorithm algorithm) {
        RowKey key = harness.key("mnist", backend, device, "lenet5", algorithm.id(), 1);
        return new Harness.Task("mnist " + backend + " " + (device == null ? "cpu" : "#" + device.index()), 1,
                List.of(key), () -> List.of(key.failed(ResultRow.UNSUPPORTED,
                        "trained weights not available (dev.tessera.models.TrainedWeights is not on main yet)", 0)));
    }
}
