package dev.tessera.backend.opencl;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.common.PreparedStep;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.EventTiming;
import dev.tessera.opencl.ProgramCache;

/**
 * Compares pool.cl's {@code pool_rows} with {@code max_pool} on the max-pooling layers of VGG-16 and ResNet-50 at batch
 * 1 (not a unit test): each round runs both, one after the other, so that a shared machine's load falls on both alike;
 * prints each one's median kernel event time, its GB/s (input read plus output written) and the per-round ratio
 * max_pool / pool_rows (median and min-max).
 *
 * <pre>java ... dev.tessera.backend.opencl.PoolingSpeed [rounds]</pre>
 * Device: as for the tests, {@code TESSERA_TEST_DEVICE} or device 0.
 */
public final class PoolingSpeed {
    private PoolingSpeed() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        Map<String, int[]> layers = new LinkedHashMap<>(); // c, size, kernel, stride, pad
        layers.put("vgg16.pool1", new int[] {64, 224, 2, 2, 0});
        layers.put("vgg16.pool2", new int[] {128, 112, 2, 2, 0});
        layers.put("vgg16.pool3", new int[] {256, 56, 2, 2, 0});
        layers.put("vgg16.pool4", new int[] {512, 28, 2, 2, 0});
        layers.put("vgg16.pool5", new int[] {512, 14, 2, 2, 0});
        layers.put("resnet50.maxpool", new int[] {64, 112, 3, 2, 1});
        try (OpenClBackend rows = OpenClBackend.open(TestDevices.device(), ProgramCache.defaultCache(), null);
                OpenClBackend single = OpenClBackend.open(TestDevices.device(), ProgramCache.defaultCache(), null)) {
            single.useRowPooling(false);
            for (Map.Entry<String, int[]> e : layers.entrySet()) {
                int[] l = e.getValue();
                Operator.Pool pool = Operator.Pool.of(Operator.Pool.Kind.MAX, l[2], l[3], l[4]);
                Tensor x = Tensor.random(1, -1, 1, 1, l[0], l[1], l[1]);
                long outputs = Tensor.sizeOf(pool.outputShape(List.of(x.shape())));
                double gbyte = 4.0 * (x.data().length + outputs) / 1e9;
                try (ClBuffer inR = rows.context().buffer(x.data()); ClBuffer outR = rows.context().buffer(4 * outputs);
                        ClBuffer inS = single.context().buffer(x.data());
                        ClBuffer outS = single.context().buffer(4 * outputs);
                        PreparedStep r = rows.prepareResident(pool, List.of(x), List.of(inR), outR);
                        PreparedStep s = single.prepareResident(pool, List.of(x), List.of(inS), outS)) {
                    r.run();
                    s.run();
                    double[] tr = new double[rounds];
                    double[] ts = new double[rounds];
                    double[] ratio = new double[rounds];
                    for (int i = 0; i < rounds; i++) {
                        tr[i] = r.run().stream().mapToDouble(EventTiming::kernelMs).sum();
                        ts[i] = s.run().stream().mapToDouble(EventTiming::kernelMs).sum();
                        ratio[i] = ts[i] / tr[i];
                    }
                    Arrays.sort(tr);
                    Arrays.sort(ts);
                    Arrays.sort(ratio);
                    double mr = tr[rounds / 2];
                    double ms = ts[rounds / 2];
                    System.out.printf(Locale.ROOT, "%-17s %s %.3f ms %5.1f GB/s | %s %.3f ms %5.1f GB/s | ratio %.2f "
                            + "(%.2f-%.2f)%n", e.getKey(), r.algorithm(), mr, gbyte / mr * 1e3, s.algorithm(), ms,
                            gbyte / ms * 1e3, ratio[rounds / 2], ratio[0], ratio[rounds - 1]);
                }
            }
        }
    }
}
