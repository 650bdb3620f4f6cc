package dev.tessera.models;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tessera.backend.Operator;

/** Sizes and shapes of the zoo against published figures (torchvision's parameter counts, the papers' shapes). */
class ModelZooTest {
    @ParameterizedTest(name = "{0} has {1} parameters")
    @CsvSource({
            "resnet18, 11689512", "resnet34, 21797672", "resnet50, 25557032", "resnet101, 44549160",
            "resnet152, 60192808", "vgg11, 132863336", "vgg11-lrn, 132863336", "vgg13, 133047848",
            "vgg16, 138357544", "vgg19, 143667240", "alexnet-tv, 61100840", "lenet5, 61706"})
    void parameterCountsMatchPublishedFigures(String name, long expected) {
        assertEquals(expected, ModelZoo.build(name).parameterCount());
    }

    @Test
    void lenet5ClassicCountsOnlyConnectedPairs() {
        // C1 6*(25+1) = 156; C3 60 connections * 25 + 16 biases = 1,516; C5 120*(400+1) = 48,120;
        // F6 84*(120+1) = 10,164; output 10*(84+1) = 850. Total 60,806.
        Model m = ModelZoo.build("lenet5-classic");
        assertEquals(60_806, m.parameterCount());
        Layer c3 = m.layers().stream().filter(l -> l.name().equals("c3")).findFirst().orElseThrow();
        assertEquals(1_516, c3.parameterCount());
        boolean[][] t = ModelZoo.lenetC3Connections();
        int connections = 0;
        for (boolean[] row : t) {
            for (boolean b : row) {
                connections += b ? 1 : 0;
            }
        }
        assertEquals(60, connections);
        assertArrayEquals(new boolean[] {true, true, true, false, false, false}, t[0]);
        assertArrayEquals(new boolean[] {true, true, false, false, false, true}, t[5]); // 5, 0, 1 (wraps)
        assertArrayEquals(new boolean[] {false, true, true, true, true, false}, t[7]);
        assertArrayEquals(new boolean[] {true, true, false, true, true, false}, t[12]);
        assertArrayEquals(new boolean[] {true, false, true, true, false, true}, t[14]);
        assertArrayEquals(new int[] {1, 10}, m.outputShape(1));
    }

    @Test
    void alexNetOriginalParameterCount() {
        // conv1 96*(363+1) = 34,944; conv2 256*(2400+1) = 614,656; conv3 384*(2304+1) = 885,120;
        // conv4 384*(3456+1) = 1,327,488; conv5 256*(3456+1) = 884,992; fc6 4096*(9216+1) = 37,752,832;
        // fc7 4096*4097 = 16,781,312; fc8 1000*4097 = 4,097,000. Total 62,378,344.
        assertEquals(62_378_344, ModelZoo.build("alexnet").parameterCount());
    }

    @ParameterizedTest(name = "{0}: about {1} G MACs")
    @CsvSource({"resnet18, 1.82", "resnet50, 4.11", "vgg16, 15.47", "alexnet-tv, 0.71"})
    void macsPerImageWithinTwoPercentOfPublished(String name, double gigaMacs) {
        double macs = ModelZoo.build(name).macs();
        assertEquals(gigaMacs * 1e9, macs, 0.02 * gigaMacs * 1e9, name + ": " + macs);
    }

    @Test
    void lenet5MacsExactly() {
        // conv1: 28*28 outputs * 6 maps * 25 taps = 117,600; conv2: 10*10 * 16 * (6*25) = 240,000;
        // fc1 400*120 = 48,000; fc2 120*84 = 10,080; fc3 84*10 = 840. Total 416,520 (about 0.42 M).
        Model m = ModelZoo.build("lenet5");
        assertEquals(416_520, m.macs());
        assertEquals(2 * 416_520, m.flops());
    }

    @Test
    void alexNetSpatialSizesLayerByLayer() {
        Model m = ModelZoo.build("alexnet");
        List<int[]> shapes = m.layerShapes(1);
        List<Integer> sizes = new ArrayList<>();
        for (int i = 0; i < shapes.size(); i++) {
            Operator op = m.layers().get(i).op();
            if (op instanceof Operator.Conv2d || op instanceof Operator.Pool) {
                sizes.add(shapes.get(i)[2]);
            }
        }
        assertEquals(List.of(55, 27, 27, 13, 13, 13, 13, 6), sizes);
        assertArrayEquals(new int[] {1, 256, 6, 6}, shapes.get(indexOf(m, "pool5")));
        assertArrayEquals(new int[] {1, 96, 27, 27}, shapes.get(indexOf(m, "lrn1")));
        assertArrayEquals(new int[] {4, 1000}, m.outputShape(4));
    }

    @Test
    void resNetStageSizes() {
        for (String name : List.of("resnet18", "resnet50")) {
            Model m = ModelZoo.build(name);
            List<int[]> shapes = m.layerShapes(1);
            int expansion = name.equals("resnet50") ? 4 : 1;
            int[] blocks = {2, 2, 2, 2};
            if (expansion == 4) {
                blocks = new int[] {3, 4, 6, 3};
            }
            assertArrayEquals(new int[] {1, 64, 56, 56}, shapes.get(indexOf(m, "maxpool")));
            int[] size = {56, 28, 14, 7};
            for (int stage = 0; stage < 4; stage++) {
                String last = "layer" + (stage + 1) + "." + (blocks[stage] - 1) + ".add";
                assertArrayEquals(new int[] {1, (64 << stage) * expansion, size[stage], size[stage]},
                        shapes.get(indexOf(m, last)), name + " " + last);
            }
            assertArrayEquals(new int[] {1, 1000}, m.outputShape(1));
        }
    }

    @Test
    void resNetConvsHaveNoBiasAndShortcutsProjectOnlyWhenShapesChange() {
        Model m = ModelZoo.build("resnet18");
        for (Layer l : m.layers()) {
            if (l.op() instanceof Operator.Conv2d) {
                assertNull(l.parameter("bias"), l.name());
            }
        }
        long projections = m.layers().stream().filter(l -> l.name().endsWith("downsample.0")).count();
        assertEquals(3, projections);
        assertEquals(4, ModelZoo.build("resnet50").layers().stream()
                .filter(l -> l.name().endsWith("downsample.0")).count());
        // v1.5: in a bottleneck the stride sits on the 3x3 conv
        Layer conv2 = ModelZoo.build("resnet50").layers().stream().filter(l -> l.name().equals("layer2.0.conv2"))
                .findFirst().orElseThrow();
        assertEquals(2, ((Operator.Conv2d) conv2.op()).strideH());
    }

    @Test
    void vggConfigurationCHasOneByOneConvs() {
        Model c = ModelZoo.build("vgg16-c");
        assertArrayEquals(new int[] {256, 256, 1, 1}, weightShape(c, "conv3_3"));
        assertArrayEquals(new int[] {512, 512, 1, 1}, weightShape(c, "conv4_3"));
        assertArrayEquals(new int[] {512, 512, 1, 1}, weightShape(c, "conv5_3"));
        // vgg16 minus the 3x3 -> 1x1 difference of the three third convs: 8 * (256*256 + 2 * 512*512) weights fewer
        assertEquals(138_357_544L - 8L * (256 * 256 + 2 * 512 * 512), c.parameterCount());
        assertTrue(ModelZoo.build("vgg11-lrn").layers().stream().anyMatch(l -> l.op() instanceof Operator.Lrn));
    }

    @Test
    void inputSizeOption() {
        Model vgg = ModelZoo.build("vgg16", 32);
        assertArrayEquals(new int[] {1, 512, 1, 1}, vgg.layerShapes(1).get(indexOf(vgg, "pool5")));
        assertArrayEquals(new int[] {2, 1000}, vgg.outputShape(2));
        Model resnet = ModelZoo.build("resnet50", 32);
        assertArrayEquals(new int[] {1, 1000}, resnet.outputShape(1));
        assertEquals(25_557_032, resnet.parameterCount());

        IllegalArgumentException fixed = assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.build("alexnet", 224));
        assertTrue(fixed.getMessage().contains("alexnet takes only 227x227"), fixed.getMessage());
        IllegalArgumentException lenet = assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.build("lenet5", 32));
        assertTrue(lenet.getMessage().contains("lenet5 takes only 28x28"), lenet.getMessage());
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.build("vgg16", 16));
        assertTrue(small.getMessage().startsWith("vgg16: input size 16 is too small"), small.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.build("resnet9"));
        assertTrue(unknown.getMessage().contains("known models: lenet5"), unknown.getMessage());
    }

    @Test
    void everyModelBuildsAtItsDefaultSize() {
        for (String name : ModelZoo.names()) {
            Model m = ModelZoo.build(name);
            assertEquals(name, m.name());
            assertEquals(ModelZoo.defaultInputSize(name), m.inputShape()[1]);
            assertTrue(m.parameterCount() > 0 && m.macs() > 0, name);
            int[] out = m.outputShape(1);
            assertEquals(name.startsWith("lenet") ? 10 : 1000, out[1], name);
        }
        assertEquals(15, ModelZoo.names().size());
    }

    private static int[] weightShape(Model m, String layer) {
        return m.layers().get(indexOf(m, layer)).parameter("weight").shape();
    }

    static int indexOf(Model m, String layer) {
        for (int i = 0; i < m.layers().size(); i++) {
            if (m.layers().get(i).name().equals(layer)) {
                return i;
            }
        }
        throw new AssertionError("no layer " + layer + " in " + m.name());
    }
}
