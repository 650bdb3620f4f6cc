package dev.tessera.jmh;

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

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Tensor;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;

/** The peer on the same layers as {@link ConvLayerBenchmark}: im2col plus CLBlast's SGEMM, on the same device. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ClBlastConvLayerBenchmark {
    @Param({"vgg16.conv1_1", "vgg16.conv1_2", "vgg16.conv2_1", "vgg16.conv2_2", "vgg16.conv3_1", "vgg16.conv3_2",
        "vgg16.conv4_1", "vgg16.conv4_2", "vgg16.conv5_1", "resnet50.conv1", "resnet50.layer1.1x1_64_64",
        "resnet50.layer1.3x3_64", "resnet50.layer1.1x1_64_256", "resnet50.layer1.1x1_256_64",
        "resnet50.layer2.1x1_256_128", "resnet50.layer2.3x3_128_s2", "resnet50.layer2.3x3_128",
        "resnet50.layer2.1x1_128_512", "resnet50.layer2.downsample", "resnet50.layer2.1x1_512_128",
        "resnet50.layer3.3x3_256_s2", "resnet50.layer3.3x3_256", "resnet50.layer3.1x1_256_1024",
        "resnet50.layer3.1x1_1024_256", "resnet50.layer4.3x3_512_s2", "resnet50.layer4.3x3_512",
        "resnet50.layer4.1x1_512_2048", "resnet50.layer4.1x1_2048_512"})
    public String layer;

    private ClContext context;
    private ClBlastIm2colConv peer;
    private ClBuffer input;
    private ClBuffer output;
    private double gflopPerRun;

    @Setup(Level.Trial)
    public void setUp() {
        ConvProblem problem = Layers.CONVOLUTIONS.get(layer).problem(1);
        context = ClContext.open(BenchmarkDevice.get());
        peer = new ClBlastIm2colConv(context, problem, Tensor.random(1, -0.1f, 0.1f, problem.weightShape()));
        input = context.buffer(Tensor.random(3, -1, 1, problem.inputShape()).data());
        output = context.buffer(4L * Tensor.sizeOf(problem.outputShape()));
        gflopPerRun = 2.0 * problem.macs() / 1e9;
    }

    @Benchmark
    public void run(GflopCounter counter) {
        peer.run(input, output);
        counter.gflop += gflopPerRun;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        peer.close();
        input.close();
        output.close();
        context.close();
    }
}
