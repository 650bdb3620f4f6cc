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
 * The channel-blocked direct convolution (nchwc-direct: the NCHW -> NCHWc reorder and one conv_nchwc.cl launch)
 * against im2col + GEMM and Winograd F(4x4) on 1x1, 3x3 and strided layers of ResNet-50 and 3x3 layers of VGG-16 at
 * batch 1: the prepared solver's run (weight packing excluded, it happens once), data on the device, fused bias and
 * ReLU. Pairs where Winograd does not apply (1x1, stride 2, the 7x7 stem) fail in setup and are skipped by JMH's
 * {@code -foe false}; select with {@code -p algorithm=nchwc-direct,im2col} for those. Score: runs per second, with the
 * direct-equivalent GFLOP/s as a secondary figure.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class BlockedConvLayerBenchmark extends PreparedLayerBenchmark {
    @Param({"resnet50.conv1", "resnet50.layer1.1x1_64_64", "resnet50.layer1.3x3_64", "resnet50.layer1.1x1_64_256",
        "resnet50.layer2.3x3_128", "resnet50.layer2.1x1_128_512", "resnet50.layer2.downsample",
        "resnet50.layer3.3x3_256", "resnet50.layer3.1x1_1024_256", "resnet50.layer4.3x3_512",
        "resnet50.layer4.1x1_512_2048", "vgg16.conv1_2", "vgg16.conv3_2", "vgg16.conv4_2", "vgg16.conv5_2"})
    public String layer;

    @Param({"nchwc-direct", "im2col", "winograd-4x4"})
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
