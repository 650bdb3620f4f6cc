package dev.tessera.backend.opencl;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvAlgorithms;
import dev.tessera.backend.Operator;
import dev.tessera.backend.RandomCases;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.CompiledGraph;
import dev.tessera.backend.graph.Graph;
import dev.tessera.backend.graph.GraphNode;
import dev.tessera.backend.graph.LayerByLayerGraph;
import dev.tessera.backend.graph.LayerTiming;
import dev.tessera.backend.graph.CompiledGraph.PlannedLayer;
import dev.tessera.backend.opencl.plan.PlanOptions;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.ProgramCache;

/**
 * The convolution algorithm is a choice of the plan: an overall choice and per-layer overrides in the compile options
 * reach the solvers (the plan reports what each layer runs), and the operator carries none.
 */
class ConvAlgorithmOptionTest {
    /** conv1 (3x3 pad 1, ReLU) -> conv2 (3x3 pad 1) -> conv3 (1x1 stride 2): every algorithm but Winograd applies. */
    private static Graph graph() {
        SplittableRandom rnd = new SplittableRandom(15);
        List<Tensor> c1 = RandomCases.convInputs(rnd, 1, 3, 9, 7, 5, 3, 3, 1, true);
        List<Tensor> c2 = RandomCases.convInputs(rnd, 1, 5, 9, 7, 6, 3, 3, 1, true);
        List<Tensor> c3 = RandomCases.convInputs(rnd, 1, 6, 9, 7, 4, 1, 1, 1, false);
        return new Graph("three-convs", new int[] {3, 9, 7}, List.of(
                new GraphNode("conv1", Operator.Conv2d.of(1, 1).withRelu(true), List.of(Graph.INPUT), c1.subList(1, 3)),
                new GraphNode("conv2", Operator.Conv2d.of(1, 1), List.of("conv1"), c2.subList(1, 3)),
                new GraphNode("conv3", Operator.Conv2d.of(2, 0), List.of("conv2"), c3.subList(1, 2))));
    }

    private static Tensor reference(Graph graph, Tensor x) {
        try (CompiledGraph plan = new ReferenceBackend().compile(graph, 2)) {
            return plan.run(x);
        }
    }

    @Test
    void perLayerOverridesReachTheSolversOfTheDeviceResidentPlan() {
        Graph graph = graph();
        Tensor x = Tensor.random(16, -1, 1, 2, 3, 9, 7);
        Tensor expected = reference(graph, x);
        ConvAlgorithms algorithms = new ConvAlgorithms(ConvAlgorithm.DIRECT,
                Map.of("conv2", ConvAlgorithm.WINOGRAD_2X2, "conv3", ConvAlgorithm.IM2COL));
        try (OpenClBackend opencl = OpenClBackend.open(TestDevices.device(), ProgramCache.defaultCache(), null)) {
            for (PlanOptions options : List.of(PlanOptions.DEFAULT.withAlgorithms(algorithms),
                    PlanOptions.UNFUSED_BLOCKING.withAlgorithms(algorithms))) {
                try (CompiledGraph plan = opencl.compile(graph, 2, options)) {
                    Map<String, String> ran = new java.util.HashMap<>();
                    for (PlannedLayer l : plan.layers()) {
                        ran.put(l.node(), l.algorithm());
                    }
                    assertEquals(Map.of("conv1", "direct", "conv2", "winograd-2x2", "conv3", "im2col"), ran,
                            options.toString());
                    Accuracy a = Accuracy.of(plan.run(x), expected);
                    assertTrue(a.relativeL2() < 1e-5, options + ": " + a);
                }
            }
            // the Backend interface's overload gives the same plan
            try (CompiledGraph plan = opencl.compile(graph, 2, algorithms)) {
                assertEquals("winograd-2x2", plan.layers().get(1).algorithm());
            }
            // the layer-by-layer plan passes each node's algorithm to Backend.run
            try (CompiledGraph plan = new LayerByLayerGraph(opencl, graph, 2, algorithms)) {
                Accuracy a = Accuracy.of(plan.run(x), expected);
                assertTrue(a.relativeL2() < 1e-5, "layer by layer: " + a);
                assertEquals(List.of("direct", "winograd-2x2", "im2col"),
                        plan.lastRun().layers().stream().map(LayerTiming::algorithm).toList());
            }
            // AUTO overall still chooses (a solver, never "auto")
            try (CompiledGraph plan = opencl.compile(graph, 2, ConvAlgorithms.AUTO)) {
                plan.layers().forEach(l -> assertNotEquals("auto", l.algorithm(), l.node()));
            }
            // an override that does not apply is refused, naming the algorithm
            ConvAlgorithms wrong = new ConvAlgorithms(ConvAlgorithm.AUTO, Map.of("conv3", ConvAlgorithm.WINOGRAD_4X4));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> opencl.compile(graph, 2, wrong).close());
            assertTrue(e.getMessage().contains("winograd-4x4"), e.getMessage());
        }
    }

    @Test
    void withTheFallbackPropertyAFixedPlanRunsThePlanDefaultWhereItsAlgorithmDoesNotApplyAndSaysSo() {
        Graph graph = graph();
        Tensor x = Tensor.random(18, -1, 1, 2, 3, 9, 7);
        Tensor expected = reference(graph, x);
        String property = OpenClBackend.FIXED_FALLBACK_PROPERTY;
        assertNull(System.getProperty(property));
        try (OpenClBackend opencl = OpenClBackend.open(TestDevices.device(), ProgramCache.defaultCache(), null)) {
            ConvAlgorithms winograd = ConvAlgorithms.of(ConvAlgorithm.WINOGRAD_4X4);
            // without it, the 1x1 stride-2 conv3 refuses the whole plan
            assertThrows(IllegalArgumentException.class, () -> opencl.compile(graph, 2, winograd).close());
            System.setProperty(property, "true");
            try (CompiledGraph plan = opencl.compile(graph, 2, PlanOptions.DEFAULT.withAlgorithms(winograd))) {
                Map<String, PlannedLayer> layers = new java.util.HashMap<>();
                plan.layers().forEach(l -> layers.put(l.node(), l));
                assertEquals("winograd-4x4", layers.get("conv1").algorithm());
                assertEquals("winograd-4x4", layers.get("conv2").algorithm());
                assertEquals("im2col", layers.get("conv3").algorithm(), "the plan default of a 1x1 convolution");
                assertTrue(layers.get("conv3").note().contains("fallback: winograd-4x4 does not apply")
                        && layers.get("conv3").note().contains("ran the plan default im2col"), layers.get("conv3").note());
                assertFalse(layers.get("conv2").note().contains("fallback"), layers.get("conv2").note());
                Accuracy a = Accuracy.of(plan.run(x), expected);
                assertTrue(a.relativeL2() < 1e-5, a.toString());
            }
        } finally {
            System.clearProperty(property);
        }
    }

    @Test
    void aSingleOperatorRunsWithTheAlgorithmAskedFor() {
        List<Tensor> inputs = RandomCases.convInputs(new SplittableRandom(17), 1, 4, 8, 8, 3, 3, 3, 1, true);
        Operator.Conv2d conv = Operator.Conv2d.of(1, 1);
        Tensor expected = new ReferenceBackend().run(conv, inputs).output();
        try (OpenClBackend opencl = OpenClBackend.open(TestDevices.device(), ProgramCache.defaultCache(), null)) {
            for (ConvAlgorithm a : List.of(ConvAlgorithm.DIRECT, ConvAlgorithm.IM2COL, ConvAlgorithm.WINOGRAD_4X4)) {
                var result = opencl.run(conv, inputs, a);
                assertEquals(a.id(), result.algorithm());
                assertTrue(Accuracy.of(result.output(), expected).relativeL2() < 1e-5, a.id());
            }
        }
    }

    @Test
    void theOperatorCarriesNoAlgorithm() {
        assertTrue(Arrays.stream(Operator.Conv2d.class.getRecordComponents())
                .noneMatch(c -> c.getType() == ConvAlgorithm.class || c.getType() == ConvAlgorithms.class));
        assertTrue(Arrays.stream(Operator.Conv2d.class.getMethods())
                .noneMatch(m -> m.getReturnType() == ConvAlgorithm.class
                        || Arrays.asList(m.getParameterTypes()).contains(ConvAlgorithm.class)));
        // two convolutions differing only in how they were run are the same operator
        assertEquals(Operator.Conv2d.of(1, 1), new Operator.Conv2d(1, 1, 1, 1, 1, 1, 1, 1, 1, false));
    }
}
