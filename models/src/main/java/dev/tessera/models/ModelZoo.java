package dev.tessera.models;

import java.util.List;

/**
 * The built-in networks, as described in {@code networks.md}: LeNet-5 (modern and 1998), AlexNet (original
 * single-tower and torchvision's variant), VGG (configurations A, A-LRN, B, C, D, E) and ResNet (18, 34, 50, 101, 152,
 * torchvision v1.5). Models come with parameter shapes only; call {@link Model#initialise(long)} for values.
 *
 * <p>Input sizes: LeNet-5 and AlexNet are fixed (their first fully-connected layer fixes the spatial size). VGG takes
 * any square size its five 2x2 pools allow (at least 32); the first FC then takes 512 x (size/32)^2 features, as
 * there is no adaptive pool (at 224 this is torchvision's 512 x 7 x 7). ResNet takes any size its stride-32 stem and
 * stages allow, the global average pool keeps the head unchanged.
 */
public final class ModelZoo {
    private static final List<String> NAMES = List.of("lenet5", "lenet5-classic", "alexnet", "alexnet-tv", "vgg11",
            "vgg11-lrn", "vgg13", "vgg16-c", "vgg16", "vgg19", "resnet18", "resnet34", "resnet50", "resnet101",
            "resnet152");

    private ModelZoo() {
    }

    /** Every model name, in the order {@code tessera models} lists them. */
    public static List<String> names() {
        return NAMES;
    }

    /** The input height and width a model is defined for. */
    public static int defaultInputSize(String name) {
        return switch (requireKnown(name)) {
            case "lenet5" -> 28;
            case "lenet5-classic" -> 32;
            case "alexnet" -> 227;
            default -> 224;
        };
    }

    /** Whether the model accepts input sizes other than its default. */
    public static boolean acceptsOtherInputSizes(String name) {
        String n = requireKnown(name);
        return n.startsWith("vgg") || n.startsWith("resnet");
    }

    /** The model at its default input size. */
    public static Model build(String name) {
        return build(name, defaultInputSize(name));
    }

    /**
     * The model taking square images of {@code inputSize} pixels.
     *
     * @throws IllegalArgumentException for an unknown name, a fixed-size model asked for another size, or a size too
     *                                  small for the model's pools
     */
    public static Model build(String name, int inputSize) {
        String n = requireKnown(name);
        int fixed = defaultInputSize(n);
        if (!acceptsOtherInputSizes(n) && inputSize != fixed) {
            String why = n.startsWith("alexnet")
                    ? "its fully-connected layers fix the input size (" + (n.equals("alexnet-tv")
                            ? "torchvision's adaptive average pool is not supported"
                            : "no adaptive pool") + ")"
                    : "its fully-connected layers fix the input size";
            throw new IllegalArgumentException(n + " takes only " + fixed + "x" + fixed + " input: " + why
                    + "; input size " + inputSize + " is not supported");
        }
        if (inputSize < 1) {
            throw new IllegalArgumentException(n + ": input size must be positive: " + inputSize);
        }
        try {
            dev.tessera.backend.CheckedSizes.tensorElements("input", 3, inputSize, inputSize);
            return switch (n) {
                case "lenet5" -> lenet5();
                case "lenet5-classic" -> lenet5Classic();
                case "alexnet" -> alexNet();
                case "alexnet-tv" -> alexNetTorchvision();
                case "vgg11" -> vgg(n, inputSize, "64 M 128 M 256 256 M 512 512 M 512 512 M", false);
                case "vgg11-lrn" -> vgg(n, inputSize, "64 M 128 M 256 256 M 512 512 M 512 512 M", true);
                case "vgg13" -> vgg(n, inputSize, "64 64 M 128 128 M 256 256 M 512 512 M 512 512 M", false);
                case "vgg16-c" -> vgg(n, inputSize, "64 64 M 128 128 M 256 256 256/1 M 512 512 512/1 M 512 512 512/1 M",
                        false);
                case "vgg16" -> vgg(n, inputSize, "64 64 M 128 128 M 256 256 256 M 512 512 512 M 512 512 512 M", false);
                case "vgg19" -> vgg(n, inputSize,
                        "64 64 M 128 128 M 256 256 256 256 M 512 512 512 512 M 512 512 512 512 M", false);
                case "resnet18" -> resNet(n, inputSize, false, 2, 2, 2, 2);
                case "resnet34" -> resNet(n, inputSize, false, 3, 4, 6, 3);
                case "resnet50" -> resNet(n, inputSize, true, 3, 4, 6, 3);
                case "resnet101" -> resNet(n, inputSize, true, 3, 4, 23, 3);
                case "resnet152" -> resNet(n, inputSize, true, 3, 8, 36, 3);
                default -> throw new IllegalStateException("unreachable: " + n);
            };
        } catch (dev.tessera.backend.CheckedSizes.TooLarge e) {
            throw new IllegalArgumentException(n + ": input size " + inputSize + " is too large (" + e.getMessage()
                    + ")", e);
        } catch (IllegalArgumentException e) {
            String detail = e.getMessage().startsWith(n + ": ") ? e.getMessage().substring(n.length() + 2)
                    : e.getMessage();
            throw new IllegalArgumentException(n + ": input size " + inputSize + " is too small for its layers ("
                    + detail + ")", e);
        }
    }

    private static String requireKnown(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        if (!NAMES.contains(n)) {
            throw new IllegalArgumentException("unknown model '" + name + "'; known models: "
                    + String.join(", ", NAMES));
        }
        return n;
    }

    /**
     * LeNet-5, modern: 1x28x28, conv 6@5x5 pad 2, ReLU, max-pool 2/2, conv 16@5x5, ReLU, max-pool 2/2, flatten 400,
     * FC 120 ReLU, FC 84 ReLU, FC 10. 61,706 parameters.
     */
    static Model lenet5() {
        return new ModelBuilder("lenet5", 1, 28, 28)
                .conv("conv1", 6, 5, 1, 2, true).relu("relu1").maxPool("pool1", 2, 2, 0)
                .conv("conv2", 16, 5, 1, 0, true).relu("relu2").maxPool("pool2", 2, 2, 0)
                .flatten("flatten")
                .fc("fc1", 120, true).fc("fc2", 84, true).fc("fc3", 10, false)
                .build();
    }

    /**
     * The connection table of LeNet-5's C3 (LeCun et al. 1998, table I): {@code [o][c]} is true when C3 map o sees S2
     * map c. Maps 0-5 see 3 consecutive S2 maps, 6-11 four consecutive (both wrapping around), 12-14 the
     * non-consecutive {0,1,3,4}, {1,2,4,5}, {0,2,3,5}, and 15 all six: 60 connections.
     */
    public static boolean[][] lenetC3Connections() {
        boolean[][] t = new boolean[16][6];
        for (int o = 0; o < 6; o++) {
            for (int j = 0; j < 3; j++) {
                t[o][(o + j) % 6] = true;
            }
        }
        for (int o = 6; o < 12; o++) {
            for (int j = 0; j < 4; j++) {
                t[o][(o - 6 + j) % 6] = true;
            }
        }
        int[][] nonConsecutive = {{0, 1, 3, 4}, {1, 2, 4, 5}, {0, 2, 3, 5}};
        for (int o = 12; o < 15; o++) {
            for (int c : nonConsecutive[o - 12]) {
                t[o][c] = true;
            }
        }
        java.util.Arrays.fill(t[15], true);
        return t;
    }

    /**
     * LeNet-5 as in 1998: 1x32x32, C1 conv 6@5x5, tanh, S2 average pool 2/2, C3 conv 16@5x5 with the partial
     * connection table ({@link #lenetC3Connections()}; run as a full 6-to-16 convolution whose unconnected weights are
     * zero and stay zero, see {@link Parameter#mask()}), tanh, S4 average pool 2/2, C5 conv 120@5x5 (to 1x1), tanh,
     * F6 FC 84 tanh, output FC 10. Parameters count the connected pairs only: 156 + 1,516 + 48,120 + 10,164 + 850 =
     * 60,806. Differences from the paper: the subsampling layers are plain averages (no trainable coefficient and
     * bias per map), tanh is not scaled by 1.7159, and the output is a plain FC instead of Euclidean RBF units.
     */
    static Model lenet5Classic() {
        return new ModelBuilder("lenet5-classic", 1, 32, 32)
                .conv("c1", 6, 5, 1, 0, true).tanh("c1_tanh").avgPool("s2", 2, 2, 0)
                .maskedConv("c3", lenetC3Connections(), 5, 1, 0).tanh("c3_tanh").avgPool("s4", 2, 2, 0)
                .conv("c5", 120, 5, 1, 0, true).tanh("c5_tanh")
                .flatten("flatten")
                .fc("f6", 84, false).tanh("f6_tanh")
                .fc("output", 10, false)
                .build();
    }

    /**
     * AlexNet, the original single-tower channel counts, 3x227x227: conv 96@11x11/4 (55), max-pool 3/2 (27), LRN;
     * conv 256@5x5 pad 2, max-pool 3/2 (13), LRN; conv 384, 384, 256 @3x3 pad 1; max-pool 3/2 (6x6x256); FC 4096,
     * 4096, 1000. ReLU after every conv and hidden FC; dropout is a training matter and absent.
     */
    static Model alexNet() {
        return new ModelBuilder("alexnet", 3, 227, 227)
                .conv("conv1", 96, 11, 4, 0, true).relu("relu1").maxPool("pool1", 3, 2, 0).lrn("lrn1")
                .conv("conv2", 256, 5, 1, 2, true).relu("relu2").maxPool("pool2", 3, 2, 0).lrn("lrn2")
                .conv("conv3", 384, 3, 1, 1, true).relu("relu3")
                .conv("conv4", 384, 3, 1, 1, true).relu("relu4")
                .conv("conv5", 256, 3, 1, 1, true).relu("relu5").maxPool("pool5", 3, 2, 0)
                .flatten("flatten")
                .fc("fc6", 4096, true).fc("fc7", 4096, true).fc("fc8", 1000, false)
                .build();
    }

    /**
     * torchvision's AlexNet, 3x224x224: conv 64@11x11/4 pad 2, max-pool 3/2, conv 192@5x5 pad 2, max-pool 3/2, conv
     * 384, 256, 256 @3x3 pad 1, max-pool 3/2 (6x6x256), FC 4096, 4096, 1000; no LRN. torchvision's adaptive average
     * pool to 6x6 is the identity at 224 and is left out, which is why other sizes are refused. 61,100,840 parameters.
     */
    static Model alexNetTorchvision() {
        return new ModelBuilder("alexnet-tv", 3, 224, 224)
                .conv("conv1", 64, 11, 4, 2, true).relu("relu1").maxPool("pool1", 3, 2, 0)
                .conv("conv2", 192, 5, 1, 2, true).relu("relu2").maxPool("pool2", 3, 2, 0)
                .conv("conv3", 384, 3, 1, 1, true).relu("relu3")
                .conv("conv4", 256, 3, 1, 1, true).relu("relu4")
                .conv("conv5", 256, 3, 1, 1, true).relu("relu5").maxPool("pool5", 3, 2, 0)
                .flatten("flatten")
                .fc("fc6", 4096, true).fc("fc7", 4096, true).fc("fc8", 1000, false)
                .build();
    }

    /**
     * VGG from a configuration string: a number is a 3x3 pad 1 conv with that many channels (+ ReLU), {@code C/1} a
     * 1x1 conv (configuration C), {@code M} a 2x2/2 max pool; then flatten, FC 4096 ReLU, FC 4096 ReLU, FC 1000 and
     * softmax. {@code lrnAfterFirst} adds LRN after the first conv's ReLU (configuration A-LRN). Layers are named
     * {@code conv<block>_<index>} as in the paper.
     */
    static Model vgg(String name, int size, String config, boolean lrnAfterFirst) {
        ModelBuilder b = new ModelBuilder(name, 3, size, size);
        int block = 1;
        int index = 1;
        for (String token : config.split(" ")) {
            if (token.equals("M")) {
                b.maxPool("pool" + block, 2, 2, 0);
                block++;
                index = 1;
                continue;
            }
            int kernel = token.endsWith("/1") ? 1 : 3;
            int channels = Integer.parseInt(token.replace("/1", ""));
            String conv = "conv" + block + "_" + index;
            b.conv(conv, channels, kernel, 1, kernel / 2, true).relu(conv + "_relu");
            if (lrnAfterFirst && block == 1 && index == 1) {
                b.lrn("lrn1");
            }
            index++;
        }
        return b.flatten("flatten")
                .fc("fc6", 4096, true).fc("fc7", 4096, true).fc("fc8", 1000, false)
                .softmax("softmax")
                .build();
    }

    /**
     * ResNet as torchvision builds it (v1.5: a bottleneck's stride sits on its 3x3 conv). Stem: conv 64@7x7/2 pad 3,
     * BN, ReLU, max-pool 3x3/2 pad 1. Four stages of 64, 128, 256, 512 planes, the first block of stages 2-4 with
     * stride 2. Basic block: 3x3, BN, ReLU, 3x3, BN; bottleneck: 1x1, BN, ReLU, 3x3, BN, ReLU, 1x1 (4 x planes),
     * BN; then the shortcut is added and ReLU applied (one add layer with fused ReLU). The shortcut is the identity
     * unless the shape changes, then a 1x1 conv with the block's stride plus BN. Convs have no bias. Head: global
     * average pool, FC 1000. Layers are named as torchvision's modules ({@code layer2.0.conv1},
     * {@code layer2.0.downsample.0}).
     */
    static Model resNet(String name, int size, boolean bottleneck, int... blocks) {
        ModelBuilder b = new ModelBuilder(name, 3, size, size);
        b.conv("conv1", 64, 7, 2, 3, false).batchNorm("bn1").relu("relu").maxPool("maxpool", 3, 2, 1);
        int expansion = bottleneck ? 4 : 1;
        int inPlanes = 64;
        for (int stage = 0; stage < 4; stage++) {
            int planes = 64 << stage;
            for (int i = 0; i < blocks[stage]; i++) {
                int stride = stage > 0 && i == 0 ? 2 : 1;
                String p = "layer" + (stage + 1) + "." + i + ".";
                String in = b.current();
                if (bottleneck) {
                    b.conv(p + "conv1", planes, 1, 1, 0, false).batchNorm(p + "bn1").relu(p + "relu1")
                            .conv(p + "conv2", planes, 3, stride, 1, false).batchNorm(p + "bn2").relu(p + "relu2")
                            .conv(p + "conv3", planes * expansion, 1, 1, 0, false).batchNorm(p + "bn3");
                } else {
                    b.conv(p + "conv1", planes, 3, stride, 1, false).batchNorm(p + "bn1").relu(p + "relu1")
                            .conv(p + "conv2", planes, 3, 1, 1, false).batchNorm(p + "bn2");
                }
                String residual = b.current();
                String shortcut = in;
                if (stride != 1 || inPlanes != planes * expansion) {
                    b.from(in).conv(p + "downsample.0", planes * expansion, 1, stride, 0, false)
                            .batchNorm(p + "downsample.1");
                    shortcut = b.current();
                }
                b.add(p + "add", residual, shortcut, true);
                inPlanes = planes * expansion;
            }
        }
        return b.globalAvgPool("avgpool").fc("fc", 1000, false).build();
    }
}
