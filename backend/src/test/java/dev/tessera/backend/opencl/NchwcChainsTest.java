package dev.tessera.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.ProgramCache;

/**
 * The plan-level NCHWc layout ({@link NchwcChains}): a chain of nchwc-direct convolutions gives the reference's answer
 * with the NCHW -> NCHWc reorder only at the chain's start (one launch per inner convolution), and a convolution whose
 * output is also read elsewhere (a residual add) ends the chain.
 */
class NchwcChainsTest {
    /**
     * conv1 (3x3 pad 1, 5 -> 17, ReLU) -> conv2 (1x1, 17 -> 20) -> relu (absorbed) -> conv3 (3x3 stride 2 pad 1,
     * 20 -> 7) -> conv4 (1x1, 7 -> 7) -> add(conv4, conv3) -> conv5 (3x3 pad 1, 7 -> 6): conv1..conv3 chain; conv3
     * is read twice (conv4 and the add) and conv4 by the add, so both write NCHW; conv5 reads the add's NCHW output.
     */
    private static Graph graph() {
        SplittableRandom rnd = new SplittableRandom(1515);
        List<Tensor> c1 = RandomCases.convInputs(rnd, 1, 5, 11, 9, 17, 3, 3, 1, true);
        List<Tensor> c2 = RandomCases.convInputs(rnd, 1, 17, 11, 9, 20, 1, 1, 1, true);
        List<Tensor> c3 = RandomCases.convInputs(rnd, 1, 20, 11, 9, 7, 3, 3, 1, true);
        List<Tensor> c4 = RandomCases.convInputs(rnd, 1, 7, 6, 5, 7, 1, 1, 1, false);
        List<Tensor> c5 = RandomCases.convInputs(rnd, 1, 7, 6, 5, 6, 3, 3, 1, true);
        return new Graph("chain", new int[] {5, 11, 9}, List.of(
                new GraphNode("conv1", Operator.Conv2d.of(1, 1).withRelu(true), List.of(Graph.INPUT),
                        c1.subList(1, 3)),
                new GraphNode("conv2", Operator.Conv2d.of(1, 0), List.of("conv1"), c2.subList(1, 3)),
                new GraphNode("relu2", new Operator.Relu(), List.of("conv2"), List.of()),
                new GraphNode("conv3", Operator.Conv2d.of(2, 1), List.of("relu2"), c3.subList(1, 3)),
                new GraphNode("conv4", Operator.Conv2d.of(1, 0), List.of("conv3"), c4.subList(1, 2)),
                new GraphNode("add", new Operator.Add(true), List.of("conv4", "conv3"), List.of()),
                new GraphNode("conv5", Operator.Conv2d.of(1, 1), List.of("add"), c5.subList(1, 3))));
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
            for (String unchained : List.of("conv4", "conv5")) {
                assertTrue(!layers.get(unchained).note().contains("NCHWc"), layers.get(unchained).toString());
            }
            for (int run = 0; run < 2; run++) { // the producers' borders stay zero from run to run
                Accuracy a = Accuracy.of(plan.run(x), expected);
                assertTrue(a.relativeL2() <= Tolerances.relativeL2("nchwc-direct"), "run " + run + ": " + a);
            }
            Map<String, Integer> launches = new HashMap<>();
            for (LayerTiming t : plan.runProfiled().layers()) {
                launches.put(t.node(), t.launches());
            }
            assertEquals(2, launches.get("conv1"), "the chain's start reorders its NCHW input");
            assertEquals(1, launches.get("conv2"), "no reorder inside the chain");
            assertEquals(1, launches.get("conv3"), "no reorder inside the chain");
            assertEquals(2, launches.get("conv4"), "after the chain's end NCHW again");
            assertEquals(2, launches.get("conv5"));
            // every node's own value through runAll (the unfused twin, no chains) agrees too
            Accuracy all = Accuracy.of(plan.runAll(x).get("conv5"), expected);
            assertTrue(all.relativeL2() <= Tolerances.relativeL2("nchwc-direct"), all.toString());
        }
    }
}
