package dev.tessera.models;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.reference.ReferenceBackend;

/** The graph API: seeded initialisation, forward passes on the reference backend, batch-norm folding. */
class ModelTest {
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    @AfterAll
    static void close() {
        REFERENCE.close();
    }

    @Test
    void seededInitialisationIsReproducibleBitForBit() {
        Model a = ModelZoo.build("lenet5").initialise(42);
        Model b = ModelZoo.build("lenet5").initialise(42);
        Model c = ModelZoo.build("lenet5").initialise(43);
        assertTrue(a.isInitialised());
        assertFalse(ModelZoo.build("lenet5").isInitialised());
        for (int i = 0; i < a.layers().size(); i++) {
            for (int j = 0; j < a.layers().get(i).parameters().size(); j++) {
                Parameter pa = a.layers().get(i).parameters().get(j);
                assertArrayEquals(pa.value().data(), b.layers().get(i).parameters().get(j).value().data());
                if (pa.init() == Parameter.Init.HE_NORMAL) {
                    float[] x = pa.value().data();
                    float[] y = c.layers().get(i).parameters().get(j).value().data();
                    int same = 0;
                    for (int k = 0; k < x.length; k++) {
                        same += Float.floatToRawIntBits(x[k]) == Float.floatToRawIntBits(y[k]) ? 1 : 0;
                    }
                    assertEquals(0, same, "seed 43 differs everywhere from seed 42 in " + a.layers().get(i).name());
                }
            }
        }
    }

    @Test
    void eachLayersStreamDependsOnlyOnSeedAndPosition() {
        // layer 0 of lenet5 and of lenet5-classic is a 6x1x5x5 conv: the same stream gives the same weights
        Tensor w1 = ModelZoo.build("lenet5").initialise(7).layers().get(0).parameter("weight").value();
        Tensor w2 = ModelZoo.build("lenet5-classic").initialise(7).layers().get(0).parameter("weight").value();
        assertArrayEquals(w1.data(), w2.data());
        // the same layer at another input size gets the same weights
        Tensor r1 = ModelZoo.build("resnet18", 32).initialise(7).layers().get(0).parameter("weight").value();
        Tensor r2 = ModelZoo.build("resnet18", 64).initialise(7).layers().get(0).parameter("weight").value();
        assertArrayEquals(r1.data(), r2.data());
        assertNotEquals(Model.streamSeed(7, 0, 0), Model.streamSeed(7, 1, 0));
        assertNotEquals(Model.streamSeed(7, 0, 0), Model.streamSeed(7, 0, 1));
    }

    @Test
    void heInitialisationHasStandardDeviationSqrtTwoOverFanIn() {
        Model m = ModelZoo.build("resnet18", 32).initialise(1);
        Layer conv = m.layers().get(ModelZooTest.indexOf(m, "layer4.0.conv2")); // 512x512x3x3
        float[] w = conv.parameter("weight").value().data();
        double sum = 0;
        double squares = 0;
        for (float v : w) {
            sum += v;
            squares += (double) v * v;
        }
        double mean = sum / w.length;
        double std = Math.sqrt(squares / w.length - mean * mean);
        double expected = Math.sqrt(2.0 / (512 * 9));
        assertEquals(0, mean, 0.01 * expected);
        assertEquals(expected, std, 0.005 * expected);
        Layer bn = m.layers().get(ModelZooTest.indexOf(m, "bn1"));
        for (String name : List.of("gamma", "var")) {
            for (float v : bn.parameter(name).value().data()) {
                assertEquals(1f, v);
            }
        }
        for (String name : List.of("beta", "mean")) {
            for (float v : bn.parameter(name).value().data()) {
                assertEquals(0f, v);
            }
        }
    }

    @Test
    void unconnectedC3WeightsAreZero() {
        Model m = ModelZoo.build("lenet5-classic").initialise(3);
        Tensor w = m.layers().get(ModelZooTest.indexOf(m, "c3")).parameter("weight").value();
        boolean[][] connected = ModelZoo.lenetC3Connections();
        for (int o = 0; o < 16; o++) {
            for (int c = 0; c < 6; c++) {
                for (int k = 0; k < 25; k++) {
                    float v = w.get(o, c, k / 5, k % 5);
                    assertEquals(connected[o][c], v != 0f, "c3 weight " + o + "," + c);
                }
            }
        }
    }

    @Test
    void lenet5ForwardOnTheReference() {
        Model m = ModelZoo.build("lenet5").initialise(11);
        Tensor x = Tensor.random(5, -1f, 1f, 2, 1, 28, 28);
        Map<String, Tensor> all = m.forwardAll(REFERENCE, x);
        assertEquals(m.layers().stream().map(Layer::name).toList(), List.copyOf(all.keySet()));
        List<int[]> shapes = m.layerShapes(2);
        int i = 0;
        for (Tensor t : all.values()) {
            assertArrayEquals(shapes.get(i++), t.shape());
        }
        Tensor y = m.forward(REFERENCE, x);
        assertArrayEquals(new int[] {2, 10}, y.shape());
        assertArrayEquals(all.get("fc3").data(), y.data());
        for (float v : y.data()) {
            assertTrue(Float.isFinite(v));
        }
        assertThrows(IllegalStateException.class, () -> ModelZoo.build("lenet5").forward(REFERENCE, x));
        assertThrows(IllegalArgumentException.class,
                () -> m.forward(REFERENCE, Tensor.zeros(1, 1, 32, 32)));
    }

    @Test
    void residualAddComputesInputPlusBranch() {
        Model m = new ModelBuilder("toy", 2, 5, 5)
                .conv("conv", 2, 3, 1, 1, true)
                .add("sum", Model.INPUT, "conv", false)
                .build().initialise(9);
        Tensor x = Tensor.random(1, -1f, 1f, 1, 2, 5, 5);
        Tensor branch = REFERENCE.apply(Operator.Conv2d.of(1, 1), x, m.layers().get(0).parameter("weight").value(),
                m.layers().get(0).parameter("bias").value());
        Tensor y = m.forward(REFERENCE, x);
        for (int k = 0; k < y.size(); k++) {
            assertEquals(x.data()[k] + branch.data()[k], y.data()[k], 1e-6f);
        }
        assertThrows(IllegalArgumentException.class,
                () -> new Model("bad", new int[] {2, 5, 5}, List.of(new Layer("a", new Operator.Relu(),
                        List.of("later"), List.of()))));
    }

    @Test
    void foldingAChainOfBatchNormsMatchesTheUnfoldedModelAndThePlansFusion() {
        // conv1 (stride 2, no bias) -> bn1 -> bn2 (a chain: both fold into conv1) -> relu -> conv2 (with a bias) -> bn3
        Model m = new ModelBuilder("chain", 3, 9, 7).conv("conv1", 6, 3, 2, 1, false).batchNorm("bn1")
                .batchNorm("bn2").relu("relu").conv("conv2", 5, 3, 1, 1, true).batchNorm("bn3").build()
                .initialise(31).withRandomBatchNorm(32);
        Model folded = m.foldBatchNorm();
        assertEquals(List.of("conv1", "relu", "conv2"), folded.layers().stream().map(Layer::name).toList());
        // the plan's fusion folds the same batch norms (the one search): the graph's absorbed batch norms
        var fusion = dev.tessera.backend.graph.GraphFusion.of(m.toGraph());
        assertEquals(Map.of("bn1", "conv1", "bn2", "conv1", "bn3", "conv2"), Map.copyOf(fusion.absorbed().entrySet()
                .stream().filter(e -> e.getKey().startsWith("bn")).collect(java.util.stream.Collectors.toMap(
                        Map.Entry::getKey, Map.Entry::getValue))));
        Tensor x = Tensor.random(33, -1f, 1f, 2, 3, 9, 7);
        Tensor y = m.forward(REFERENCE, x);
        Tensor z = folded.forward(REFERENCE, x);
        assertArrayEquals(y.shape(), z.shape());
        var a = dev.tessera.backend.Accuracy.of(z, y);
        assertTrue(a.relativeL2() < 1e-5, a.toString());
    }

    @Test
    void resnet18AtThirtyTwoAndBatchNormFolding() {
        Model m = ModelZoo.build("resnet18", 32).initialise(21).withRandomBatchNorm(22);
        Tensor x = Tensor.random(6, -1f, 1f, 1, 3, 32, 32);
        Tensor y = m.forward(REFERENCE, x);
        assertArrayEquals(new int[] {1, 1000}, y.shape());

        Model folded = m.foldBatchNorm();
        assertTrue(folded.layers().stream().noneMatch(l -> l.op() instanceof Operator.BatchNorm));
        assertEquals(m.layers().size() - 20, folded.layers().size()); // 17 convs + 3 projections, each with BN
        assertEquals(m.macs(), folded.macs());
        Tensor z = folded.forward(REFERENCE, x);
        assertArrayEquals(y.shape(), z.shape());
        double maxAbs = 0;
        double maxDiff = 0;
        for (int k = 0; k < y.size(); k++) {
            maxAbs = Math.max(maxAbs, Math.abs(y.data()[k]));
            maxDiff = Math.max(maxDiff, Math.abs(y.data()[k] - z.data()[k]));
        }
        assertTrue(maxAbs > 0);
        assertTrue(maxDiff <= 1e-4 * maxAbs, "max difference " + maxDiff + " of max " + maxAbs);
        // the unfolded model is unchanged
        assertTrue(m.layers().stream().anyMatch(l -> l.op() instanceof Operator.BatchNorm));
    }
}
