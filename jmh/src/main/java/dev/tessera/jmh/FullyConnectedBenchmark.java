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
 * VGG-16's and AlexNet's fully connected layers at batch 1 (and fc6 at batch 4), on device-resident data, with the
 * packed kernel ({@code fully_connected_packed.cl}, weights packed once at prepare) or the row-per-work-item kernel
 * ({@code fully_connected.cl}). Prepared once per trial. Secondary results: "gflop" (GFLOP/s) and "gbyte" (GB/s of
 * weights read, one pass per run: the figure to hold against {@code tessera probe}'s bandwidth).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class FullyConnectedBenchmark {
    /** in x out of each layer. */
    @Param({"vgg16.fc6", "vgg16.fc7", "vgg16.fc8", "alexnet.fc6"})
    public String layer;

    @Param({"packed", "rows"})
    public String kernel;

    @Param({"1"})
    public int batch;

    /** Work and weight traffic per run, as rates. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Traffic {
        public double gflop;
        public double gbyte;

        @Setup(Level.Iteration)
        public void reset() {
            gflop = 0;
            gbyte = 0;
        }
    }

    private OpenClBackend backend;
    private ClBuffer x;
    private ClBuffer w;
    private ClBuffer b;
    private ClBuffer y;
    private PreparedStep step;
    private double gflopPerRun;
    private double gbytePerRun;

    static int[] size(String layer) {
        return switch (layer) {
            case "vgg16.fc6" -> new int[] {25088, 4096};
            case "vgg16.fc7" -> new int[] {4096, 4096};
            case "vgg16.fc8" -> new int[] {4096, 1000};
            case "alexnet.fc6" -> new int[] {9216, 4096};
            default -> throw new IllegalArgumentException("no fully connected layer " + layer);
        };
    }

    @Setup(Level.Trial)
    public void setUp() {
        int[] size = size(layer);
        Tensor input = Tensor.random(1, -1, 1, batch, size[0]);
        Tensor weights = Tensor.random(2, -0.01f, 0.01f, size[1], size[0]);
        Tensor bias = Tensor.random(3, -1, 1, size[1]);
        Operator.FullyConnected fc = new Operator.FullyConnected(true);
        backend = OpenClBackend.open(BenchmarkDevice.get());
        backend.usePackedFullyConnected(kernel.equals("packed"));
        x = backend.context().buffer(input.data());
        w = backend.context().buffer(weights.data());
        b = backend.context().buffer(bias.data());
        y = backend.context().buffer(4L * batch * size[1]);
        step = backend.prepareResident(fc, List.of(input, weights, bias), List.of(x, w, b), y);
        String expected = kernel.equals("packed") ? "fully_connected_packed" : "fully_connected";
        if (!step.algorithm().equals(expected)) {
            throw new IllegalStateException(kernel + " asked for, " + step.algorithm() + " prepared (batch " + batch
                    + " on " + backend.device() + ")");
        }
        gflopPerRun = 2.0 * batch * size[0] * size[1] / 1e9;
        gbytePerRun = 4.0 * size[0] * size[1] / 1e9;
    }

    @Benchmark
    public void run(Traffic traffic) {
        step.run();
        traffic.gflop += gflopPerRun;
        traffic.gbyte += gbytePerRun;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        step.close();
        y.close();
        b.close();
        w.close();
        x.close();
        backend.close();
    }
}
