package dev.tessera.jmh;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The fused Winograd kernels (conv_winograd_fused.cl, one launch per convolution) against the three-launch Winograd
 * F(4x4) and im2col + GEMM on the unit-stride 3x3 layers of VGG-16 and ResNet-18 at batch 1: the prepared solver's run
 * (weight transforms excluded, as they happen once), data on the device, fused bias and ReLU. Score: runs per second,
 * with the direct-equivalent GFLOP/s (2 * MACs of the convolution) as a secondary figure.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class WinogradFusedBenchmark extends PreparedLayerBenchmark {
    @Param({"vgg16.conv1_2", "vgg16.conv2_2", "vgg16.conv3_2", "vgg16.conv4_2", "vgg16.conv5_2",
        "resnet18.layer1.3x3_64", "resnet18.layer2.3x3_128", "resnet18.layer3.3x3_256", "resnet18.layer4.3x3_512"})
    public String layer;

    @Param({"winograd-fused-4x4", "winograd-fused-2x2", "winograd-4x4", "im2col"})
    public String algorithm;

    @Override
    protected String layer() {
        return layer;
    }

    @Override
    protected String algorithm() {
        return algorithm;
    }
}
