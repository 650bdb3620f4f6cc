package dev.tessera.jmh;

import java.util.List;
import java.util.concurrent.TimeUnit;

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
import dev.tessera.opencl.ClBuffer;

/**
 * AlexNet's max-pooling (3x3 stride 2) and LRN (n=5) layers at batch 1, on device-resident data. The secondary result
 * "gflop" counts window operations (comparisons or multiply-adds) as one FLOP each, so it is a rate of work, not of
 * arithmetic.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class AlexNetLayerBenchmark {
    @Param({"alexnet.pool1", "alexnet.pool2", "alexnet.pool5", "alexnet.lrn1", "alexnet.lrn2"})
    public String layer;

    private OpenClBackend backend;
    private Operator op;
    private List<Tensor> inputs;
    private ClBuffer input;
    private ClBuffer output;
    private double gflopPerRun;

    @Setup(Level.Trial)
    public void setUp() {
        op = Layers.alexNetOperator(layer);
        Tensor x = Layers.alexNetInput(layer);
        inputs = List.of(x);
        backend = OpenClBackend.open(BenchmarkDevice.get());
        input = backend.context().buffer(x.data());
        output = backend.context().buffer(4L * Tensor.sizeOf(op.outputShape(List.of(x.shape()))));
        gflopPerRun = op.macs(List.of(x.shape())) / 1e9;
    }

    @Benchmark
    public void run(GflopCounter counter) {
        backend.enqueue(op, inputs, List.of(input), output);
        counter.gflop += gflopPerRun;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        input.close();
        output.close();
        backend.close();
    }
}
