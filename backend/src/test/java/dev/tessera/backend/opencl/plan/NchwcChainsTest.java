package dev.tessera.backend.opencl.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
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
import dev.tessera.backend.Tolerances;
import dev.tessera.backend.graph.CompiledGraph;
import dev.tessera.backend.graph.CompiledGraph.PlannedLayer;
import dev.tessera.backend.graph.Graph;
import dev.tessera.backend.graph.GraphNode;
import dev.tessera.backend.graph.LayerTiming;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.opencl.TestDevices;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.ProgramCache;

/**
 * The plan-level NCHWc layout ({@link NchwcChains}): a chain of nchwc-direct convolutions gives the reference's answer
 * with the NCHW -> NCHWc reorder only at the chain's start (one launch per inner convolution), a convolution whose
 * output is also read elsewhere ends the chain, and a convolution that adds a residual reads NCHWc and writes NCHW.
 */
public class NchwcChainsTest {
    /**
     * conv1 (3x3 pad 1, 5 -> 17, ReLU) -> conv2 (1x1, 17 -> 20) -> relu (absorbed) -> conv3 (3x3 stride 2 pad 1,
     * 20 -> 7) -> conv4 (1x1, 7 -> 8) -> conv5 (3x3 pad 1, 8 -> 7) -> add(conv5, conv3) + ReLU -> conv6 (3x3 pad 1,
     * 7 -> 6): conv1 -> conv2 -> conv3 chain; conv3 is read twice (conv4 and the add), so it writes NCHW; conv4 ->
     * conv5 chain, conv5 adding conv3 in its epilogue; conv6 reads the add's NCHW output.
     */
    public static Graph graph() {
        SplittableRandom rnd = new SplittableRandom(1515);
        List<Tensor> c1 = RandomCases.convInputs(rnd, 1, 5, 11, 9, 17, 3, 3, 1, true);
        List<Tensor> c2 = RandomCases.convInputs(rnd, 1, 17, 11, 9, 20, 1, 1, 1, true);
        List<Tensor> c3 = RandomCases.convInputs(rnd, 1, 20, 11, 9, 7, 3, 3, 1, true);
        List<Tensor> c4 = RandomCases.convInputs(rnd, 1, 7, 6, 5, 8, 1, 1, 1, false);
        List<Tensor> c5 = RandomCases.convInputs(rnd, 1, 8, 6, 5, 7, 3, 3, 1, true);
        List<Tensor> c6 = RandomCases.convInputs(rnd, 1, 7, 6, 5, 6, 3, 3, 1, true);
        return new Graph("chain", new int[] {5, 11, 9}, List.of(
                new GraphNode("conv1", Operator.Conv2d.of(1, 1).withRelu(true), List.of(Graph.INPUT),
                        c1.subList(1, 3)),
                new GraphNode("conv2", Operator.Conv2d.of(1, 0), List.of("conv1"), c2.subList(1, 3)),
                new GraphNode("relu2", new Operator.Relu(), List.of("conv2"), List.of()),
                new GraphNode("conv3", Operator.Conv2d.of(2, 1), List.of("relu2"), c3.subList(1, 3)),
                new GraphNode("conv4", Operator.Conv2d.of(1, 0), List.of("conv3"), c4.subList(1, 2)),
                new GraphNode("conv5", Operator.Conv2d.of(1, 1), List.of("conv4"), c5.subList(1, 3)),
                new GraphNode("add", new Operator.Add(true), List.of("conv5", "conv3"), List.of()),
                new GraphNode("conv6", Operator.Conv2d.of(1, 1), List.of("add"), c6.subList(1, 3))));
    }

    @Test
    void aChainOfBlockedConvolutionsMatchesTheReferenceWithoutInnerReorders() {
        Graph graph = graph();
        Tensor x = Tensor.random(16, -1, 1, 2, 5, 11, 9);
        Tensor expected;
        try (CompiledGraph plan = new ReferenceBackend().compile(graph, 2)) {
            expected = plan.run(x);
        }
        try (OpenClBackend opencl = OpenClBackend.open(TestDevices.device(), ProgramCache.defaultCache(), null);
                CompiledGraph plan = opencl.compile(graph, 2, PlanOptions.DEFAULT.withAlgorithms(
                        ConvAlgorithms.of(ConvAlgorithm.NCHWC_DIRECT)))) {
            Map<String, PlannedLayer> layers = new HashMap<>();
            plan.layers().forEach(l -> layers.put(l.node(), l));
            assertTrue(layers.get("conv1").note().contains("NCHWc output kept for conv2"), layers.toString());
            assertTrue(layers.get("conv2").note().contains("NCHWc input from conv1"), layers.toString());
            assertTrue(layers.get("conv2").note().contains("NCHWc output kept for conv3"), layers.toString());
            assertTrue(layers.get("conv3").note().contains("NCHWc input from conv2"), layers.toString());
            assertFalse(layers.get("conv3").note().contains("NCHWc output"), layers.get("conv3").toString());
            assertTrue(layers.get("conv4").note().contains("NCHWc output kept for conv5"), layers.toString());
            assertTrue(layers.get("conv5").note().contains("NCHWc input from conv4"), layers.toString());
            assertEquals("fused", layers.get("add").algorithm(), "the residual add runs in conv5's epilogue");
            assertFalse(layers.get("conv6").note().contains("NCHWc"), layers.get("conv6").toString());
            for (int run = 0; run < 2; run++) { // the producers' borders stay zero from run to run
                Accuracy a = Accuracy.of(plan.run(x), expected);
                assertTrue(a.relativeL2() <= Tolerances.relativeL2("nchwc-direct"), "run " + run + ": " + a);
            }
            Map<String, Integer> launches = new HashMap<>();
            for (LayerTiming t : plan.runProfiled().layers()) {
                launches.put(t.node(), t.launches());
            }
            assertEquals(Map.of("conv1", 2, "conv2", 1, "conv3", 1, "conv4", 2, "conv5", 1, "conv6", 2),
                    Map.of("conv1", launches.get("conv1"), "conv2", launches.get("conv2"), "conv3",
                            launches.get("conv3"), "conv4", launches.get("conv4"), "conv5", launches.get("conv5"),
                            "conv6", launches.get("conv6")),
                    "a reorder (2 launches) where a chain starts only");
            // every node's own value through runAll (the unfused twin, no chains) agrees too
            Accuracy all = Accuracy.of(plan.runAll(x).get("conv6"), expected);
            assertTrue(all.relativeL2() <= Tolerances.relativeL2("nchwc-direct"), all.toString());
        }
    }
}
