package dev.tessera.backend.reference;

import static dev.tessera.backend.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.Operator.Conv2d;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.WindowGeometry;

/** ReferenceBackend's convolution against {@link NaiveConv} on random small problems. */
class ReferenceConvPropertyTest {
    private static final int CASES = 100;

    @Test
    void matchesTheDefinitionOnRandomShapes() {
        ReferenceBackend backend = new ReferenceBackend();
        SplittableRandom random = new SplittableRandom(20240917L);
        int strided = 0, padded = 0, dilated = 0, grouped = 0, depthwise = 0, pointwise = 0, batched = 0, biased = 0;
        for (int i = 0; i < CASES; i++) {
            int groups = 1 + random.nextInt(3);
            boolean isDepthwise = random.nextInt(6) == 0;
            int c = isDepthwise ? groups : groups * (1 + random.nextInt(3));
            int k = isDepthwise ? groups : groups * (1 + random.nextInt(3));
            int r = 1 + random.nextInt(4);
            int s = random.nextInt(4) == 0 ? r : 1 + random.nextInt(4);
            int dh = 1 + random.nextInt(2);
            int dw = 1 + random.nextInt(2);
            int[] pad = {random.nextInt(3), random.nextInt(3), random.nextInt(3), random.nextInt(3)};
            int strideH = 1 + random.nextInt(3);
            int strideW = random.nextBoolean() ? strideH : 1 + random.nextInt(3);
            int spanH = dh * (r - 1) + 1;
            int spanW = dw * (s - 1) + 1;
            int h = Math.max(1, spanH - pad[0] - pad[1]) + random.nextInt(7);
            int w = Math.max(1, spanW - pad[2] - pad[3]) + random.nextInt(7);
            int n = 1 + random.nextInt(3);
            boolean bias = random.nextBoolean();
            boolean relu = random.nextInt(3) == 0;
            Conv2d op = new Conv2d(strideH, strideW, pad[0], pad[1], pad[2], pad[3], dh, dw, groups, relu);

            List<Tensor> inputs = new ArrayList<>();
            inputs.add(Tensor.random(random.nextLong(), -1, 1, n, c, h, w));
            inputs.add(Tensor.random(random.nextLong(), -1, 1, k, c / groups, r, s));
            if (bias) {
                inputs.add(Tensor.random(random.nextLong(), -1, 1, k));
            }
            List<float[]> before = new ArrayList<>();
            inputs.forEach(t -> before.add(t.data().clone()));
            int p = WindowGeometry.outputSize("h", h, r, pad[0], pad[1], op.strideH(), dh);
            int q = WindowGeometry.outputSize("w", w, s, pad[2], pad[3], op.strideW(), dw);

            Tensor y = backend.run(op, inputs).output();
            String problem = "case " + i + ": " + n + "x" + c + "x" + h + "x" + w + " * " + k + "x" + (c / groups) + "x"
                    + r + "x" + s + " " + op;
            assertArrayEquals(new int[] {n, k, p, q}, y.shape(), problem);
            double[] expected = NaiveConv.conv(op, inputs.get(0), inputs.get(1), bias ? inputs.get(2) : null, p, q);
            try {
                assertClose(expected, y.data(), 1e-6, 1e-12);
            } catch (AssertionError e) {
                throw new AssertionError(problem + ": " + e.getMessage(), e);
            }
            for (int t = 0; t < inputs.size(); t++) {
                assertArrayEquals(before.get(t), inputs.get(t).data(), problem + ": input " + t + " was modified");
            }

            strided += op.strideH() > 1 || op.strideW() > 1 ? 1 : 0;
            padded += pad[0] + pad[1] + pad[2] + pad[3] > 0 ? 1 : 0;
            dilated += dh > 1 || dw > 1 ? 1 : 0;
            grouped += groups > 1 && !isDepthwise ? 1 : 0;
            depthwise += isDepthwise && groups > 1 ? 1 : 0;
            pointwise += r == 1 && s == 1 ? 1 : 0;
            batched += n > 1 ? 1 : 0;
            biased += bias ? 1 : 0;
        }
        // the generator really covered every feature
        int[] covered = {strided, padded, dilated, grouped, depthwise, pointwise, batched, biased};
        for (int count : covered) {
            assertTrue(count >= 3, () -> "feature coverage too thin: " + Arrays.toString(covered));
        }
    }
}
