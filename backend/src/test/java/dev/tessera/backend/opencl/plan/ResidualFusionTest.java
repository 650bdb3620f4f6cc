package dev.tessera.backend.opencl.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.Graph;
import dev.tessera.backend.graph.GraphFusion;
import dev.tessera.backend.graph.GraphNode;

/** Which residual adds the OpenCL plan computes inside a convolution, and where the values then live. */
class ResidualFusionTest {
    private static final Tensor W = Tensor.zeros(4, 4, 3, 3);

    private static GraphNode conv(String name, String in) {
        return new GraphNode(name, Operator.Conv2d.of(1, 1), List.of(in), List.of(W));
    }

    private static GraphNode add(String name, String a, String b) {
        return new GraphNode(name, new Operator.Add(true), List.of(a, b), List.of());
    }

    private static GraphNode relu(String name, String in) {
        return new GraphNode(name, new Operator.Relu(), List.of(in), List.of());
    }

    @Test
    void anIdentityBlockFusesItsLastConvolutionAndItsValuesShareTheResidualsBuffer() {
        List<GraphNode> nodes = List.of(conv("x", Graph.INPUT), conv("c1", "x"), conv("c2", "c1"),
                add("add", "c2", "x"), conv("next", "add"));
        Map<String, ResidualFusion.Candidate> plan = ResidualFusion.plan(nodes, GraphFusion.NONE);
        assertEquals(Map.of("c2", new ResidualFusion.Candidate("c2", "add", "x", true)), plan);
        Map<String, String> storage = ResidualFusion.storage(nodes, GraphFusion.NONE, plan.values());
        assertEquals("x", storage.get("c2"));
        assertEquals("x", storage.get("add"));
        assertEquals("c1", storage.get("c1"));
    }

    @Test
    void aDownsamplingBlockFusesTheLaterConvolutionWithTheOtherAsResidual() {
        List<GraphNode> nodes = List.of(conv("x", Graph.INPUT), conv("c1", "x"), conv("c2", "c1"),
                conv("shortcut", "x"), add("add", "c2", "shortcut"));
        assertEquals(Map.of("shortcut", new ResidualFusion.Candidate("shortcut", "add", "c2", true)),
                ResidualFusion.plan(nodes, GraphFusion.NONE));
    }

    @Test
    void nothingFusesWhereAValueWouldBeOverwrittenOrIsReadElsewhere() {
        // the residual is read after the convolution that would overwrite it
        assertTrue(ResidualFusion.plan(List.of(conv("x", Graph.INPUT), conv("c1", "x"), relu("late", "x"),
                add("add", "c1", "x"), add("out", "add", "late")), GraphFusion.NONE).isEmpty());
        // the convolution's value has a second reader
        assertTrue(ResidualFusion.plan(List.of(conv("x", Graph.INPUT), conv("c1", "x"), relu("r", "c1"),
                add("add", "c1", "x"), add("out", "add", "r")), GraphFusion.NONE).isEmpty());
        // the residual is the graph's input; the convolution reads its own residual
        assertTrue(ResidualFusion.plan(List.of(conv("c1", Graph.INPUT), add("add", "c1", Graph.INPUT)),
                GraphFusion.NONE).isEmpty());
        assertTrue(ResidualFusion.plan(List.of(conv("x", Graph.INPUT), conv("c1", "x"), add("add", "c1", "x")),
                GraphFusion.NONE).isEmpty());
    }
}
