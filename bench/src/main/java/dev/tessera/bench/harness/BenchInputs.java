package dev.tessera.bench.harness;

import dev.tessera.backend.Tensor;
import dev.tessera.models.Model;

/**
 * The seeded inputs every backend and peer sees: values uniform in [-1, 1). The timing input of batch B is
 * {@code Tensor.random(seed, -1, 1, B, C, H, W)}; accuracy image i is {@code Tensor.random(seed + 1 + i, -1, 1, 1, C,
 * H, W)}.
 */
public final class BenchInputs {
    private BenchInputs() {
    }

    public static Tensor timing(Model model, int batch, long seed) {
        int[] s = model.inputShape();
        return Tensor.random(seed, -1, 1, batch, s[0], s[1], s[2]);
    }

    public static Tensor image(Model model, int index, long seed) {
        int[] s = model.inputShape();
        return Tensor.random(seed + 1 + index, -1, 1, 1, s[0], s[1], s[2]);
    }

    /** Index of the largest value of a [1, classes] (or any) output. */
    public static int argmax(Tensor output) {
        float[] d = output.data();
        int best = 0;
        for (int i = 1; i < d.length; i++) {
            if (d[i] > d[best]) {
                best = i;
            }
        }
        return best;
    }
}
