package dev.tessera.jmh;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;

/**
 * The layers the microbenchmarks run: every distinct convolution of VGG-16 and ResNet-50 (torchvision v1.5, stride on
 * the 3x3) and the unit-stride 3x3 ones of ResNet-18 at batch 1 and 224x224 input, and AlexNet's pooling and LRN
 * layers. Names are the benchmarks' parameters.
 */
public final class Layers {
    /** A convolution: input channels, square input size, output channels, square kernel, stride, padding. */
    public record Conv(String name, int c, int size, int k, int kernel, int stride, int pad) {
        public ConvProblem problem(int batch) {
            return ConvProblem.of(Operator.Conv2d.of(stride, pad), List.of(new int[] {batch, c, size, size},
                    new int[] {k, c, kernel, kernel}, new int[] {k}));
        }
    }

    /** A pooling or LRN layer's input: channels and square size. */
    public record Plane(String name, int c, int size) {
    }

    public static final Map<String, Conv> CONVOLUTIONS = new LinkedHashMap<>();
    public static final Map<String, Plane> ALEXNET_POOLS = new LinkedHashMap<>();
    public static final Map<String, Plane> ALEXNET_LRNS = new LinkedHashMap<>();

    private static void conv(String name, int c, int size, int k, int kernel, int stride, int pad) {
        CONVOLUTIONS.put(name, new Conv(name, c, size, k, kernel, stride, pad));
    }

    static {
        conv("vgg16.conv1_1", 3, 224, 64, 3, 1, 1);
        conv("vgg16.conv1_2", 64, 224, 64, 3, 1, 1);
        conv("vgg16.conv2_1", 64, 112, 128, 3, 1, 1);
        conv("vgg16.conv2_2", 128, 112, 128, 3, 1, 1);
        conv("vgg16.conv3_1", 128, 56, 256, 3, 1, 1);
        conv("vgg16.conv3_2", 256, 56, 256, 3, 1, 1);
        conv("vgg16.conv4_1", 256, 28, 512, 3, 1, 1);
        conv("vgg16.conv4_2", 512, 28, 512, 3, 1, 1);
        conv("vgg16.conv5_1", 512, 14, 512, 3, 1, 1);
        conv("vgg16.conv5_2", 512, 14, 512, 3, 1, 1);
        conv("resnet18.layer1.3x3_64", 64, 56, 64, 3, 1, 1);
        conv("resnet18.layer2.3x3_128", 128, 28, 128, 3, 1, 1);
        conv("resnet18.layer3.3x3_256", 256, 14, 256, 3, 1, 1);
        conv("resnet18.layer4.3x3_512", 512, 7, 512, 3, 1, 1);
        conv("resnet50.conv1", 3, 224, 64, 7, 2, 3);
        conv("resnet50.layer1.1x1_64_64", 64, 56, 64, 1, 1, 0);
        conv("resnet50.layer1.3x3_64", 64, 56, 64, 3, 1, 1);
        conv("resnet50.layer1.1x1_64_256", 64, 56, 256, 1, 1, 0);
        conv("resnet50.layer1.1x1_256_64", 256, 56, 64, 1, 1, 0);
        conv("resnet50.layer2.1x1_256_128", 256, 56, 128, 1, 1, 0);
        conv("resnet50.layer2.3x3_128_s2", 128, 56, 128, 3, 2, 1);
        conv("resnet50.layer2.3x3_128", 128, 28, 128, 3, 1, 1);
        conv("resnet50.layer2.1x1_128_512", 128, 28, 512, 1, 1, 0);
        conv("resnet50.layer2.downsample", 256, 56, 512, 1, 2, 0);
        conv("resnet50.layer2.1x1_512_128", 512, 28, 128, 1, 1, 0);
        conv("resnet50.layer3.3x3_256_s2", 256, 28, 256, 3, 2, 1);
        conv("resnet50.layer3.3x3_256", 256, 14, 256, 3, 1, 1);
        conv("resnet50.layer3.1x1_256_1024", 256, 14, 1024, 1, 1, 0);
        conv("resnet50.layer3.1x1_1024_256", 1024, 14, 256, 1, 1, 0);
        conv("resnet50.layer4.3x3_512_s2", 512, 14, 512, 3, 2, 1);
        conv("resnet50.layer4.3x3_512", 512, 7, 512, 3, 1, 1);
        conv("resnet50.layer4.1x1_512_2048", 512, 7, 2048, 1, 1, 0);
        conv("resnet50.layer4.1x1_2048_512", 2048, 7, 512, 1, 1, 0);

        ALEXNET_POOLS.put("alexnet.pool1", new Plane("alexnet.pool1", 96, 55));
        ALEXNET_POOLS.put("alexnet.pool2", new Plane("alexnet.pool2", 256, 27));
        ALEXNET_POOLS.put("alexnet.pool5", new Plane("alexnet.pool5", 256, 13));
        ALEXNET_LRNS.put("alexnet.lrn1", new Plane("alexnet.lrn1", 96, 55));
        ALEXNET_LRNS.put("alexnet.lrn2", new Plane("alexnet.lrn2", 256, 27));
    }

    /** AlexNet's operator for a pooling or LRN layer name: max pooling 3x3 stride 2, or LRN n=5 (paper values). */
    public static Operator alexNetOperator(String layer) {
        if (ALEXNET_POOLS.containsKey(layer)) {
            return Operator.Pool.of(Operator.Pool.Kind.MAX, 3, 2, 0);
        }
        if (ALEXNET_LRNS.containsKey(layer)) {
            return Operator.Lrn.alexNet();
        }
        throw new IllegalArgumentException("no AlexNet pooling or LRN layer named " + layer);
    }

    /** The random batch-1 input of an AlexNet pooling or LRN layer. */
    public static Tensor alexNetInput(String layer) {
        Plane plane = ALEXNET_POOLS.containsKey(layer) ? ALEXNET_POOLS.get(layer) : ALEXNET_LRNS.get(layer);
        return Tensor.random(1, -1, 1, 1, plane.c(), plane.size(), plane.size());
    }

    private Layers() {
    }
}
