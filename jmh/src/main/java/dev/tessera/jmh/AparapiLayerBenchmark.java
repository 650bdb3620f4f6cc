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

import dev.tessera.aparapi.AparapiBackend;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;

/**
 * The Aparapi backend on the layers of {@link ConvLayerBenchmark} (convolutions, algorithm direct or im2col) and
 * {@link AlexNetLayerBenchmark} (pooling and LRN; {@code algorithm} is ignored, run them with one value), at batch 1,
 * data kept on the device (Aparapi's explicit mode; im2col's column matrix still passes through the host between its
 * two kernels, because Aparapi keeps buffers per kernel). A kernel that falls back to Aparapi's Java thread pool fails
 * the benchmark. The secondary result "gflop" is counted as in those benchmarks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class AparapiLayerBenchmark {
    @Param({"vgg16.conv1_2", "vgg16.conv2_2", "vgg16.conv3_2", "vgg16.conv4_2", "vgg16.conv5_1", "resnet50.conv1",
        "resnet50.layer1.3x3_64", "resnet50.layer1.1x1_256_64", "resnet50.layer3.1x1_1024_256",
        "resnet50.layer4.3x3_512", "alexnet.pool1", "alexnet.pool2", "alexnet.pool5", "alexnet.lrn1",
        "alexnet.lrn2"})
    public String layer;

    @Param({"direct", "im2col"})
    public String algorithm;

    private AparapiBackend backend;
    private AparapiBackend.PreparedOperator prepared;
    private double gflopPerRun;

    @Setup(Level.Trial)
    public void setUp() {
        Operator op;
        List<Tensor> inputs;
        ConvAlgorithm convAlgorithm = ConvAlgorithm.AUTO;
        if (Layers.CONVOLUTIONS.containsKey(layer)) {
            ConvProblem problem = Layers.CONVOLUTIONS.get(layer).problem(1);
            op = problem.conv();
            convAlgorithm = ConvAlgorithm.parse(algorithm);
            inputs = List.of(Tensor.random(3, -1, 1, problem.inputShape()),
                    Tensor.random(1, -0.1f, 0.1f, problem.weightShape()), Tensor.random(2, -0.1f, 0.1f, problem.k()));
            gflopPerRun = 2.0 * problem.macs() / 1e9;
        } else {
            op = Layers.alexNetOperator(layer);
            inputs = List.of(Layers.alexNetInput(layer));
            gflopPerRun = op.macs(List.of(inputs.get(0).shape())) / 1e9;
        }
        backend = AparapiBackend.open(BenchmarkDevice.get(), new AparapiBackend.Options(false, null));
        prepared = backend.prepare(op, inputs, convAlgorithm);
    }

    @Benchmark
    public void run(GflopCounter counter) {
        prepared.run();
        counter.gflop += gflopPerRun;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        prepared.close();
        backend.close();
    }
}
