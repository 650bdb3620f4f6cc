package dev.tessera.backend.opencl.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.ConvAlgorithms;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.Tolerances;
import dev.tessera.backend.graph.CompiledGraph;
import dev.tessera.backend.graph.CompiledGraph.PlannedLayer;
import dev.tessera.backend.graph.Graph;
import dev.tessera.backend.graph.LayerTiming;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.opencl.TestDevices;
import dev.tessera.backend.opencl.conv.ConvSolverFinder;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.ProgramCache;

/**
 * AUTO across layers ({@link NchwcChainFinder}): on a fake clock the chain is chosen only when it beats the per-layer
 * winners by the margin; on a real graph under AUTO with forced timings the chosen chains run (no inner reorders) and
 * match the double-precision reference, and without a favourable timing no chain forms.
 */
class NchwcChainFinderTest {
    /** Per-step ms by candidate: "per-layer" {@code perLayer}, the whole path {@code chain}, sub-chains 2.0. */
    private static ConvSolverFinder.SampleClock clock(List<String> ids, double perLayer, double chain) {
        return (i, steps) -> steps * (ids.get(i).equals(NchwcChainFinder.PER_LAYER) ? perLayer
                : ids.get(i).equals("chain 0-2") ? chain : 2.0);
    }

    @Test
    void theCandidatesArePerLayerFirstThenLongerChainsBeforeShorter() {
        assertEquals(List.of("per-layer", "chain 0-2", "chain 0-1", "chain 1-2"), NchwcChainFinder.candidates(3));
        assertEquals(List.of("per-layer", "chain 0-1"), NchwcChainFinder.candidates(2));
    }

    @Test
    void theChainIsChosenOnlyWhenFasterByTheMargin() {
        List<String> ids = NchwcChainFinder.candidates(3);
        assertEquals("chain 0-2", NchwcChainFinder.decide(ids, 1.0, clock(ids, 1.0, 0.85)).chosen());
        assertEquals("per-layer", NchwcChainFinder.decide(ids, 1.0, clock(ids, 1.0, 0.95)).chosen(),
                "5 % faster is within the 10 % margin");
        assertEquals("per-layer", NchwcChainFinder.decide(ids, 1.0, clock(ids, 1.0, 1.3)).chosen());
        // of two chains within the margin of each other, the longer (earlier) one
        ConvSolverFinder.SampleClock close = (i, steps) -> steps * switch (ids.get(i)) {
            case "per-layer" -> 1.0;
            case "chain 0-2" -> 0.74;
            case "chain 0-1" -> 0.70;
            default -> 0.9;
        };
        assertEquals("chain 0-2", NchwcChainFinder.decide(ids, 1.0, close).chosen());
    }

    /**
     * {@link NchwcChainsTest#graph} compiled under AUTO with each path's whole chain (and "chain 0-1") forced to
     * {@code chainMs} per step, the rest to 1 ms.
     */
    private static void compileAuto(double chainMs, boolean expectChains) {
        Graph graph = NchwcChainsTest.graph();
        Tensor x = Tensor.random(17, -1, 1, 2, 5, 11, 9);
        Tensor expected;
        try (CompiledGraph plan = new ReferenceBackend().compile(graph, 2)) {
            expected = plan.run(x);
        }
        try (OpenClBackend opencl = OpenClBackend.open(TestDevices.device(), ProgramCache.defaultCache(), null)) {
            opencl.chainFinder().forceTimingsForTests(id -> id.equals("chain 0-2") || id.equals("chain 0-1")
                    ? chainMs : 1.0);
            try (CompiledGraph plan = opencl.compile(graph, 2, PlanOptions.DEFAULT.withAlgorithms(
                    ConvAlgorithms.AUTO))) {
                Map<String, PlannedLayer> layers = new HashMap<>();
                plan.layers().forEach(l -> layers.put(l.node(), l));
                for (String conv : List.of("conv1", "conv2", "conv3", "conv4", "conv5")) {
                    String note = layers.get(conv).note();
                    assertTrue(note.startsWith(expectChains ? "layout NCHWc" : "layout NCHW ("), conv + ": " + note);
                    assertTrue(note.contains(expectChains ? "chose chain" : "chose per-layer"), conv + ": " + note);
                    if (!expectChains) { // timed for the path in this fresh process: the note keeps its samples
                        assertTrue(note.contains("; auto: timed") && note.contains("; samples ")
                                && !note.contains("from the tuning database"), conv + ": " + note);
                    }
                }
                assertTrue(layers.get("conv6").note().startsWith("layout NCHW"), layers.get("conv6").note());
                assertFalse(layers.get("conv6").note().contains("auto timed"), "conv6 is in no path");
                for (int run = 0; run < 2; run++) {
                    Accuracy a = Accuracy.of(plan.run(x), expected);
                    assertTrue(a.relativeL2() <= Tolerances.relativeL2("nchwc-direct"), "run " + run + ": " + a);
                }
                Map<String, Integer> launches = new HashMap<>();
                for (LayerTiming t : plan.runProfiled().layers()) {
                    launches.put(t.node(), t.launches());
                }
                if (expectChains) {
                    assertEquals(List.of(2, 1, 1, 2, 1), List.of(launches.get("conv1"), launches.get("conv2"),
                            launches.get("conv3"), launches.get("conv4"), launches.get("conv5")),
                            "a reorder (2 launches) where a chain starts only: " + launches);
                    assertEquals("fused", layers.get("add").algorithm(), "conv5 adds the residual reading NCHWc");
                } else {
                    assertFalse(plan.layers().stream().anyMatch(l -> l.note().contains("NCHWc input")),
                            plan.layers().toString());
                }
            }
            // the decisions are stored under the paths' keys and the finders' fingerprint (kernel sources, both
            // rules): a second plan reads them, whatever the timings would say now
            String fingerprint = ConvSolverFinder.fingerprint(opencl.finder().fingerprint(), NchwcChainFinder.RULE);
            String path = "nchwc-chain " + String.join(" -> ", List.of(
                    NchwcChains.problem(graph.nodes().get(3), v -> new int[] {2, 20, 11, 9}).tuningKey(),
                    NchwcChains.problem(graph.nodes().get(4), v -> new int[] {2, 7, 6, 5}).tuningKey()));
            assertTrue(opencl.tuningDatabase().lookup("nchwc-chain " + String.join(" -> ", List.of(
                    NchwcChains.problem(graph.nodes().get(4), v -> new int[] {2, 7, 6, 5}).tuningKey(),
                    NchwcChains.problem(graph.nodes().get(5), v -> new int[] {2, 8, 6, 5}).tuningKey())), fingerprint)
                    .isPresent(), "conv4 -> conv5 stored");
            assertFalse(opencl.tuningDatabase().lookup(path, fingerprint).isPresent(), "conv3 -> conv4 is no path");
            opencl.chainFinder().forceTimingsForTests(id -> id.equals(NchwcChainFinder.PER_LAYER) ? chainMs : 1.0);
            try (CompiledGraph again = opencl.compile(graph, 2, PlanOptions.DEFAULT.withAlgorithms(
                    ConvAlgorithms.AUTO))) {
                for (PlannedLayer l : again.layers()) {
                    if (l.operator().equals("conv2d") && !l.node().equals("conv6")) {
                        assertTrue(l.note().startsWith(expectChains ? "layout NCHWc" : "layout NCHW (")
                                && l.note().contains("from the tuning database"), l.toString());
                    }
                }
            }
        }
    }

    @Test
    void underAutoAFasterChainRunsWithoutInnerReordersAndMatchesTheReference() {
        compileAuto(0.5, true);
    }

    @Test
    void underAutoASlowerChainIsNotFormed() {
        compileAuto(0.95, false);
    }
}
