package dev.tessera.jmh;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.opencl.common.PreparedStep;
import dev.tessera.opencl.ClBuffer;

/**
 * The max-pooling layers of VGG-16 (2x2 stride 2) and ResNet-50 (3x3 stride 2 pad 1) at batch 1, on device-resident
 * data, with pool.cl's {@code pool_rows} (8 outputs of a row per work-item) or the one-output-per-item
 * {@code max_pool}. Prepared once per trial. Secondary result "gbyte": GB/s of input read plus output written, one
 * pass each per run, to hold against {@code tessera probe}'s bandwidth.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class PoolingBenchmark {
    @Param({"vgg16.pool1", "vgg16.pool2", "vgg16.pool3", "vgg16.pool4", "vgg16.pool5", "resnet50.maxpool"})
    public String layer;

    @Param({"rows", "single"})
    public String kernel;

    /** Bytes moved per run, as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Traffic {
        public double gbyte;

        @Setup(Level.Iteration)
        public void reset() {
            gbyte = 0;
        }
    }

    private OpenClBackend backend;
    private ClBuffer x;
    private ClBuffer y;
    private PreparedStep step;
    private double gbytePerRun;

    /** The layer's operator and input shape. */
    static Object[] layer(String layer) {
        Operator.Pool vgg = Operator.Pool.of(Operator.Pool.Kind.MAX, 2, 2, 0);
        return switch (layer) {
            case "vgg16.pool1" -> new Object[] {vgg, new int[] {1, 64, 224, 224}};
            case "vgg16.pool2" -> new Object[] {vgg, new int[] {1, 128, 112, 112}};
            case "vgg16.pool3" -> new Object[] {vgg, new int[] {1, 256, 56, 56}};
            case "vgg16.pool4" -> new Object[] {vgg, new int[] {1, 512, 28, 28}};
            case "vgg16.pool5" -> new Object[] {vgg, new int[] {1, 512, 14, 14}};
            case "resnet50.maxpool" -> new Object[] {Operator.Pool.of(Operator.Pool.Kind.MAX, 3, 2, 1),
                    new int[] {1, 64, 112, 112}};
            default -> throw new IllegalArgumentException("no pooling layer " + layer);
        };
    }

    @Setup(Level.Trial)
    public void setUp() {
        Object[] l = layer(layer);
        Operator.Pool pool = (Operator.Pool) l[0];
        Tensor input = Tensor.random(1, -1, 1, (int[]) l[1]);
        long outputs = Tensor.sizeOf(pool.outputShape(List.of(input.shape())));
        backend = OpenClBackend.open(BenchmarkDevice.get());
        backend.useRowPooling(kernel.equals("rows"));
        x = backend.context().buffer(input.data());
        y = backend.context().buffer(4L * outputs);
        step = backend.prepareResident(pool, List.of(input), List.of(x), y);
        String expected = kernel.equals("rows") ? "pool_rows" : "max_pool";
        if (!step.algorithm().equals(expected)) {
            throw new IllegalStateException(kernel + " asked for, " + step.algorithm() + " prepared on "
                    + backend.device());
        }
        gbytePerRun = 4.0 * (input.data().length + outputs) / 1e9;
    }

    @Benchmark
    public void run(Traffic traffic) {
        step.run();
        traffic.gbyte += gbytePerRun;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        step.close();
        y.close();
        x.close();
        backend.close();
    }
}
