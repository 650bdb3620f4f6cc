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
import dev.tessera.backend.opencl.conv.ConvSolver;
import dev.tessera.backend.opencl.conv.ConvSolvers;
import dev.tessera.backend.opencl.conv.PreparedConv;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.peers.ClBlastIm2colConv;

/**
 * One convolution layer of VGG-16 or ResNet-50 at batch 1 with one solver: the prepared solver's run (all its kernels,
 * im2col and transforms included; weight packing and transforms excluded, as they happen once), or the peer, im2col
 * plus CLBlast's SGEMM. Data stays on the device. A solver that does not apply to a layer (Winograd on 1x1 or strided layers) fails its setup with the reason,
 * and JMH goes on to the next combination.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ConvLayerBenchmark {
    @Param({"vgg16.conv1_1", "vgg16.conv1_2", "vgg16.conv2_1", "vgg16.conv2_2", "vgg16.conv3_1", "vgg16.conv3_2",
        "vgg16.conv4_1", "vgg16.conv4_2", "vgg16.conv5_1", "resnet50.conv1", "resnet50.layer1.1x1_64_64",
        "resnet50.layer1.3x3_64", "resnet50.layer1.1x1_64_256", "resnet50.layer1.1x1_256_64",
        "resnet50.layer2.1x1_256_128", "resnet50.layer2.3x3_128_s2", "resnet50.layer2.3x3_128",
        "resnet50.layer2.1x1_128_512", "resnet50.layer2.downsample", "resnet50.layer2.1x1_512_128",
        "resnet50.layer3.3x3_256_s2", "resnet50.layer3.3x3_256", "resnet50.layer3.1x1_256_1024",
        "resnet50.layer3.1x1_1024_256", "resnet50.layer4.3x3_512_s2", "resnet50.layer4.3x3_512",
        "resnet50.layer4.1x1_512_2048", "resnet50.layer4.1x1_2048_512"})
    public String layer;

    /** A Tessera solver, or {@value #PEER}: im2col plus CLBlast's SGEMM on the same device and data. */
    @Param({"direct", "im2col", "winograd-2x2", "winograd-4x4", PEER})
    public String algorithm;

    static final String PEER = "clblast";

    private ClContext context;
    private Runnable convolution;
    private AutoCloseable prepared;
    private ClBuffer input;
    private ClBuffer output;
    private double gflopPerRun;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        ConvProblem problem = Layers.CONVOLUTIONS.get(layer).problem(1);
        context = ClContext.open(BenchmarkDevice.get());
        input = context.buffer(Tensor.random(3, -1, 1, problem.inputShape()).data());
        output = context.buffer(4L * Tensor.sizeOf(problem.outputShape()));
        gflopPerRun = 2.0 * problem.macs() / 1e9;
        Tensor weights = Tensor.random(1, -0.1f, 0.1f, problem.weightShape());
        if (algorithm.equals(PEER)) {
            ClBlastIm2colConv peer = new ClBlastIm2colConv(context, problem, weights);
            prepared = peer;
            convolution = () -> peer.run(input, output);
            return;
        }
        ConvSolver solver = ConvSolvers.byId(algorithm, context.info());
        String reason = solver.notApplicableReason(problem, context.info());
        if (reason != null) {
            tearDown();
            throw new IllegalStateException(algorithm + " does not apply to " + layer + ": " + reason);
        }
        PreparedConv conv = solver.prepare(context, problem, weights, Tensor.random(2, -0.1f, 0.1f, problem.k()));
        prepared = conv;
        convolution = () -> conv.run(input, output);
    }

    @Benchmark
    public void run(GflopCounter counter) {
        convolution.run();
        counter.gflop += gflopPerRun;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (context != null) {
            if (prepared != null) {
                prepared.close();
            }
            input.close();
            output.close();
            context.close();
            context = null;
        }
    }
}
