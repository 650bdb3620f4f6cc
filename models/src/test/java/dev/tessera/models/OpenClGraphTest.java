package dev.tessera.models;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvAlgorithms;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.CompiledGraph;
import dev.tessera.backend.graph.GraphRun;
import dev.tessera.backend.graph.LayerTiming;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.opencl.LiveResources;
import dev.tessera.opencl.ProgramCache;

/**
 * Whole networks compiled for the OpenCL backend (the device-resident plan) against the same networks on the
 * double-precision reference, layer by layer: the plan shares activation buffers between layers, so a wrong reuse
 * shows up as a wrong layer output.
 */
class OpenClGraphTest {
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();
    private static OpenClBackend opencl;

    @BeforeAll
    static void open() {
        opencl = OpenClBackend.open(DeviceSelector.fromSetting("tessera.test.device", "TESSERA_TEST_DEVICE"),
                ProgramCache.defaultCache(), null);
    }

    @AfterAll
    static void close() {
        opencl.close();
        REFERENCE.close();
    }

    @ParameterizedTest
    @CsvSource({"lenet5, 0, 3, im2col", "lenet5-classic, 0, 2, direct", "resnet18, 32, 2, im2col",
            "vgg11-lrn, 32, 1, direct", "resnet50, 32, 1, winograd-2x2"})
    void everyLayerMatchesTheReference(String name, int inputSize, int batch, String algorithm) {
        Model model = (inputSize == 0 ? ModelZoo.build(name) : ModelZoo.build(name, inputSize)).initialise(7)
                .withRandomBatchNorm(11);
        ConvAlgorithms algorithms = model.convAlgorithms(layer -> applicable(layer, algorithm));
        Tensor x = Tensor.random(3, -1f, 1f, batchShape(model, batch));
        LinkedHashMap<String, Tensor> expected = model.forwardAll(REFERENCE, x);
        long buffers = LiveResources.buffers();
        long kernels = LiveResources.kernels();
        try (CompiledGraph plan = model.compile(opencl, batch, algorithms)) {
            assertEquals("opencl:" + opencl.device(), plan.ranOn());
            LinkedHashMap<String, Tensor> actual = plan.runAll(x);
            assertEquals(expected.keySet(), actual.keySet());
            for (Map.Entry<String, Tensor> e : expected.entrySet()) {
                Accuracy a = Accuracy.of(actual.get(e.getKey()), e.getValue());
                assertTrue(a.relativeL2() < 1e-3, name + " layer " + e.getKey() + ": " + a);
            }
            // end to end and device-resident runs (fused: batch norms folded, ReLUs fused) agree with the
            // layer-by-layer run (unfused) and the reference
            Tensor last = expected.get(model.layers().get(model.layers().size() - 1).name());
            Tensor y = plan.run(x);
            Accuracy fusedAgainstUnfused = Accuracy.of(y, actual.get(model.layers().get(model.layers().size() - 1)
                    .name()));
            assertTrue(fusedAgainstUnfused.relativeL2() < 1e-4, name + " fused against unfused: " + fusedAgainstUnfused);
            assertTrue(Accuracy.of(y, last).relativeL2() < 1e-3);
            assertTrue(plan.lastRun().layers().stream().allMatch(l -> Double.isNaN(l.kernelMs())
                    && Double.isNaN(l.wallMs())), "the timed end-to-end run is not profiled");
            GraphRun resident = plan.runResident();
            assertArrayEquals(y.data(), plan.output().data());
            GraphRun profiled = plan.runProfiled();
            assertArrayEquals(y.data(), plan.output().data());
            assertSame(profiled, plan.lastRun());
            assertEquals(model.layers().size(), resident.layers().size());
            assertEquals(model.layers().size(), profiled.layers().size());
            for (int i = 0; i < profiled.layers().size(); i++) {
                assertTrue(Double.isNaN(resident.layers().get(i).kernelMs()), "resident runs are not profiled");
                assertEquals(profiled.layers().get(i).launches(), resident.layers().get(i).launches());
            }
            double kernelSum = profiled.layers().stream().mapToDouble(LayerTiming::kernelMs).sum();
            assertTrue(kernelSum > 0 && kernelSum <= profiled.wallMs() * 1.05,
                    "kernel time " + kernelSum + " ms within the wall time " + profiled.wallMs() + " ms");
        }
        assertEquals(buffers, LiveResources.buffers(), "the plan released every buffer");
        assertEquals(kernels, LiveResources.kernels(), "the plan released every kernel");
    }

    /** {@code algorithm} where it applies to the layer's convolution, im2col otherwise (Winograd is 3x3 only). */
    private static ConvAlgorithm applicable(Layer layer, String algorithm) {
        ConvAlgorithm a = ConvAlgorithm.parse(algorithm);
        int[] w = layer.parameter("weight").shape();
        var conv = (dev.tessera.backend.Operator.Conv2d) layer.op();
        boolean winograd = a == ConvAlgorithm.WINOGRAD_2X2 || a == ConvAlgorithm.WINOGRAD_4X4;
        boolean fits = w[2] == 3 && w[3] == 3 && conv.strideH() == 1 && conv.strideW() == 1;
        return winograd && !fits ? ConvAlgorithm.IM2COL : a;
    }

    private static int[] batchShape(Model m, int batch) {
        int[] s = m.inputShape();
        return new int[] {batch, s[0], s[1], s[2]};
    }

    @Test
    void batchNormsAndReLUsFuseIntoTheLayersBeforeThem() {
        Model model = ModelZoo.build("resnet18", 32).initialise(5).withRandomBatchNorm(13);
        Tensor x = Tensor.random(4, -1f, 1f, batchShape(model, 2));
        Tensor expected = model.forward(REFERENCE, x);
        try (CompiledGraph plan = model.compile(opencl, 2)) {
            Map<String, CompiledGraph.PlannedLayer> byName = new java.util.HashMap<>();
            plan.layers().forEach(l -> byName.put(l.node(), l));
            // conv1 -> bn1 -> relu, a block's conv -> bn -> relu, and the residual add -> relu
            assertEquals("fused", byName.get("bn1").algorithm());
            assertEquals("computed by conv1", byName.get("relu").note());
            assertEquals("computed by layer1.0.conv1", byName.get("layer1.0.relu1").note());
            assertTrue(byName.get("conv1").note().contains("fused bn1, relu"), byName.get("conv1").note());
            for (CompiledGraph.PlannedLayer l : plan.layers()) {
                if (l.operator().equals("batchnorm")) {
                    assertEquals("fused", l.algorithm(), l.node() + " follows a convolution");
                }
            }
            Tensor y = plan.run(x);
            Accuracy a = Accuracy.of(y, expected);
            assertTrue(a.relativeL2() < 1e-3, a.toString());
            GraphRun run = plan.runResident();
            for (LayerTiming t : run.layers()) {
                if (t.algorithm().equals("fused")) {
                    assertEquals(0, t.launches(), t.node());
                }
            }
            assertArrayEquals(y.data(), plan.output().data());
        }
    }

    /**
     * ResNet's residual adds (and the ReLU after them) run inside the convolution before them where its solver has a
     * residual epilogue (im2col, direct: no launch of their own, one launch fewer per block), keep their launch where
     * it has none (Winograd, which says why; a downsampling block's 1x1 shortcut still fuses), and keep it with
     * {@code tessera.fuseResidual=false}; every plan agrees with the reference and with the others.
     */
    @ParameterizedTest
    @CsvSource({"resnet18, im2col, 8", "resnet50, im2col, 16", "resnet18, direct, 8", "resnet18, winograd-2x2, 3"})
    void residualAddsRunInsideTheConvolutionBeforeThem(String name, String algorithm, int fusedAdds) {
        Model model = ModelZoo.build(name, 32).initialise(3).withRandomBatchNorm(17);
        ConvAlgorithms algorithms = model.convAlgorithms(layer -> applicable(layer, algorithm));
        Tensor x = Tensor.random(6, -1f, 1f, batchShape(model, 2));
        Tensor expected = model.forward(REFERENCE, x);
        Tensor fusedY;
        int fusedLaunches;
        try (CompiledGraph plan = model.compile(opencl, 2, algorithms)) {
            Map<String, CompiledGraph.PlannedLayer> byName = new java.util.HashMap<>();
            plan.layers().forEach(l -> byName.put(l.node(), l));
            long adds = plan.layers().stream().filter(l -> l.operator().equals("add") && l.algorithm().equals("fused"))
                    .count();
            assertEquals(fusedAdds, adds);
            String last = name.equals("resnet18") ? "conv2" : "conv3";
            if (algorithm.startsWith("winograd")) {
                assertTrue(byName.get("layer1.1.add").note().contains("residual add not fused into layer1.1.conv2: "
                        + algorithm + " has no residual epilogue"), byName.get("layer1.1.add").note());
            } else {
                assertEquals("computed by layer1.1." + last, byName.get("layer1.1.add").note());
                assertTrue(byName.get("layer1.1." + last).note().endsWith("fused layer1.1.bn" + last.charAt(4)
                        + ", layer1.1.add"), byName.get("layer1.1." + last).note());
            }
            // a downsampling block: the shortcut runs after the main path, and adds the main path's value
            assertEquals("computed by layer2.0.downsample.0", byName.get("layer2.0.add").note());
            fusedY = plan.run(x);
            assertTrue(Accuracy.of(fusedY, expected).relativeL2() < 1e-3, Accuracy.of(fusedY, expected).toString());
            GraphRun run = plan.runResident();
            fusedLaunches = run.layers().stream().mapToInt(LayerTiming::launches).sum();
            assertArrayEquals(fusedY.data(), plan.output().data());
        }
        String before = System.getProperty("tessera.fuseResidual");
        System.setProperty("tessera.fuseResidual", "false");
        try (CompiledGraph plan = model.compile(opencl, 2, algorithms)) {
            assertTrue(plan.layers().stream().filter(l -> l.operator().equals("add"))
                    .noneMatch(l -> l.algorithm().equals("fused")));
            Tensor y = plan.run(x);
            assertTrue(Accuracy.of(y, expected).relativeL2() < 1e-3);
            assertTrue(Accuracy.of(fusedY, y).relativeL2() < 1e-4, Accuracy.of(fusedY, y).toString());
            int launches = plan.runResident().layers().stream().mapToInt(LayerTiming::launches).sum();
            assertEquals(launches - fusedAdds, fusedLaunches, "one add launch fewer per fused block");
        } finally {
            if (before == null) {
                System.clearProperty("tessera.fuseResidual");
            } else {
                System.setProperty("tessera.fuseResidual", before);
            }
        }
    }

    @Test
    void autoChoosesAtCompileTimeAndSaysSo() {
        Model model = ModelZoo.build("lenet5").initialise(1);
        try (CompiledGraph plan = model.compile(opencl, 2)) {
            List<CompiledGraph.PlannedLayer> convs = plan.layers().stream()
                    .filter(l -> l.operator().equals("conv2d")).toList();
            assertFalse(convs.isEmpty());
            for (CompiledGraph.PlannedLayer l : convs) {
                assertNotEquals("auto", l.algorithm());
                assertTrue(l.note().startsWith("layout NCHW; auto:"), l.note()); // LeNet-5: a pool between its convs
            }
            assertTrue(plan.preparation().totalMs() > 0);
        }
    }

    @Test
    void rejectsAWrongInputShape() {
        Model model = ModelZoo.build("lenet5").initialise(1);
        try (CompiledGraph plan = model.compile(opencl, 2)) {
            assertThrows(IllegalArgumentException.class, () -> plan.run(Tensor.zeros(1, 1, 28, 28)));
        }
    }
}
