package dev.tessera.backend.opencl;

import static org.jocl.CL.CL_BUILD_PROGRAM_FAILURE;
import static org.jocl.CL.CL_INVALID_ARG_SIZE;
import static org.jocl.CL.CL_MEM_OBJECT_ALLOCATION_FAILURE;
import static org.jocl.CL.CL_OUT_OF_HOST_MEMORY;
import static org.jocl.CL.CL_OUT_OF_RESOURCES;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvAlgorithms;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.CompiledGraph;
import dev.tessera.backend.graph.Graph;
import dev.tessera.backend.graph.GraphNode;
import dev.tessera.backend.opencl.plan.PlanOptions;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.FaultInjection;
import dev.tessera.opencl.FaultInjection.Point;
import dev.tessera.opencl.LiveResources;
import dev.tessera.opencl.OpenClException;
import dev.tessera.opencl.ProgramCache;

/**
 * Leaks on failure: every place that creates a kernel or a buffer and can then fail releases what it created. A graph
 * holding every operator the OpenCL backend runs (AUTO convolutions, so that every solver is prepared and timed, and
 * each solver by name) is compiled and run with the n-th call at one injection point failing, for every n until the
 * run gets through; each time the failure must surface as the injected {@link OpenClException}, and after the backend
 * is closed {@link LiveResources} must be back where it started. Then the same with the per-operator path
 * ({@link OpenClBackend#run}). Between failures the answer of a clean run must still equal the reference's, so the
 * hook itself is shown to change nothing when it does not fire.
 */
class LeaksOnFailureTest {
    private static final ClDevice DEVICE = TestDevices.device();

    static List<Arguments> faults() {
        return List.of(Arguments.of(Point.BUFFER, CL_MEM_OBJECT_ALLOCATION_FAILURE),
                Arguments.of(Point.KERNEL, CL_OUT_OF_HOST_MEMORY),
                Arguments.of(Point.BUILD, CL_BUILD_PROGRAM_FAILURE),
                Arguments.of(Point.LAUNCH, CL_OUT_OF_RESOURCES),
                Arguments.of(Point.ARG, CL_INVALID_ARG_SIZE));
    }

    /**
     * Every operator of the backend on small odd shapes; {@link #algorithms} gives its convolutions their solvers.
     */
    static Graph everyOperator() {
        long seed = 7;
        List<GraphNode> n = new ArrayList<>();
        n.add(new GraphNode("c1", Operator.Conv2d.of(1, 1), List.of(Graph.INPUT),
                List.of(Tensor.random(seed++, -1, 1, 4, 3, 3, 3), Tensor.random(seed++, -1, 1, 4))));
        n.add(new GraphNode("bn", new Operator.BatchNorm(1e-5), List.of("c1"), List.of(
                Tensor.random(seed++, 0.5f, 1.5f, 4), Tensor.random(seed++, -1, 1, 4), Tensor.random(seed++, -1, 1, 4),
                Tensor.random(seed++, 0.5f, 1.5f, 4))));
        n.add(new GraphNode("r", new Operator.Relu(), List.of("bn"), List.of()));
        n.add(new GraphNode("p", Operator.Pool.of(Operator.Pool.Kind.MAX, 2, 2, 0), List.of("r"), List.of()));
        n.add(new GraphNode("l", new Operator.Lrn(3, 1e-2, 0.75, 2, false), List.of("p"), List.of()));
        n.add(new GraphNode("c2", Operator.Conv2d.of(1, 0), List.of("l"),
                List.of(Tensor.random(seed++, -1, 1, 4, 4, 1, 1))));
        n.add(new GraphNode("b2", new Operator.BiasAdd(), List.of("c2"), List.of(Tensor.random(seed++, -1, 1, 4))));
        n.add(new GraphNode("c3", Operator.Conv2d.of(1, 1), List.of("b2"),
                List.of(Tensor.random(seed++, -1, 1, 4, 4, 3, 3))));
        n.add(new GraphNode("c4", Operator.Conv2d.of(1, 1), List.of("c3"),
                List.of(Tensor.random(seed++, -1, 1, 4, 4, 3, 3), Tensor.random(seed++, -1, 1, 4))));
        n.add(new GraphNode("a", new Operator.Add(true), List.of("c4", "p"), List.of()));
        n.add(new GraphNode("cat", new Operator.Concat(), List.of("a", "l"), List.of()));
        n.add(new GraphNode("ap", Operator.Pool.of(Operator.Pool.Kind.AVG, 2, 2, 1), List.of("cat"), List.of()));
        n.add(new GraphNode("t", new Operator.Tanh(), List.of("ap"), List.of()));
        n.add(new GraphNode("g", new Operator.GlobalAvgPool(), List.of("t"), List.of()));
        n.add(new GraphNode("f", new Operator.Flatten(), List.of("g"), List.of()));
        n.add(new GraphNode("fc", new Operator.FullyConnected(false), List.of("f"),
                List.of(Tensor.random(seed++, -1, 1, 5, 8), Tensor.random(seed++, -1, 1, 5))));
        n.add(new GraphNode("s", new Operator.Softmax(), List.of("fc"), List.of()));
        return new Graph("every-operator", new int[] {3, 9, 9}, n);
    }

    /**
     * The plan's algorithms for {@link #everyOperator}: the first convolution {@code first} (AUTO prepares and times
     * every solver, round-robin over many samples: it sets kernel arguments and launches kernels thousands of times,
     * so the ARG and LAUNCH faults, one run per call, take DIRECT), then im2col, Winograd 2x2 and direct.
     */
    static ConvAlgorithms algorithms(ConvAlgorithm first) {
        return new ConvAlgorithms(ConvAlgorithm.AUTO, java.util.Map.of("c1", first, "c2", ConvAlgorithm.IM2COL, "c3",
                ConvAlgorithm.WINOGRAD_2X2, "c4", ConvAlgorithm.DIRECT));
    }

    @ParameterizedTest(name = "{0} fails with status {1}")
    @MethodSource("faults")
    void aFailureAtEveryCallOfACompiledGraphReleasesEverything(Point point, int status) {
        Graph graph = everyOperator();
        ConvAlgorithms algorithms = algorithms(point == Point.ARG || point == Point.LAUNCH ? ConvAlgorithm.DIRECT
                : ConvAlgorithm.AUTO);
        Tensor input = Tensor.random(11, 0, 1, graph.batchedInputShape(2));
        Tensor expected;
        try (CompiledGraph reference = new ReferenceBackend().compile(graph, 2)) {
            expected = reference.run(input);
        }
        String before = LiveResources.summary();
        int failures = 0;
        for (int nth = 1; ; nth++) {
            boolean fired;
            try (FaultInjection.Armed fault = FaultInjection.arm(point, status, "", nth, false)) {
                fired = compileAndRun(graph, algorithms, input, expected, point, status, fault);
            }
            assertEquals(before, LiveResources.summary(), point + " failing at call " + nth + " leaked");
            if (!fired) {
                break;
            }
            failures++;
        }
        assertTrue(failures >= 3, "only " + failures + " " + point + " calls: the graph should need more");
        System.out.println("LeaksOnFailureTest: " + point + " failed at each of its " + failures
                + " calls in compiling and running the graph, nothing leaked");
    }

    /** Runs once with the fault armed: true when it fired (and the failure came out as it should). */
    private static boolean compileAndRun(Graph graph, ConvAlgorithms algorithms, Tensor input, Tensor expected,
            Point point, int status, FaultInjection.Armed fault) {
        try (OpenClBackend backend = OpenClBackend.open(DEVICE, ProgramCache.defaultCache(), null)) {
            try (CompiledGraph plan = backend.compile(graph, 2,
                    new PlanOptions(false, point != Point.LAUNCH, algorithms))) {
                Tensor out = plan.run(input);
                assertEquals(0, fault.fired(), "the fault fired, yet the run went through");
                assertArrayEquals(expected.data(), out.data(), 1e-4f);
                return false;
            } catch (OpenClException e) {
                assertEquals(1, fault.fired(), e.getMessage());
                assertEquals(status, e.status());
                assertTrue(e.getMessage().contains("injected fault"), e.getMessage());
                return true;
            }
        }
    }

    @ParameterizedTest(name = "{0} fails with status {1}")
    @MethodSource("faults")
    void aFailureInTheOperatorByOperatorPathReleasesEverything(Point point, int status) {
        Graph graph = everyOperator();
        ConvAlgorithms algorithms = algorithms(ConvAlgorithm.AUTO);
        String before = LiveResources.summary();
        for (int nth = 1; nth <= 3; nth++) {
            int fired = 0;
            try (OpenClBackend backend = OpenClBackend.open(DEVICE, ProgramCache.defaultCache(), null);
                    FaultInjection.Armed fault = FaultInjection.arm(point, status, "", nth, false)) {
                Tensor x = Tensor.random(3, 0, 1, graph.batchedInputShape(1));
                for (GraphNode node : graph.nodes()) {
                    List<Tensor> operands = new ArrayList<>();
                    operands.add(x);
                    node.inputs().stream().skip(1).forEach(in -> operands.add(x));
                    operands.addAll(node.parameters());
                    try {
                        backend.run(node.op(), operands, algorithms.forLayer(node.name()));
                    } catch (OpenClException e) {
                        assertEquals(status, e.status());
                        fired++;
                    } catch (IllegalArgumentException shapesDoNotFit) {
                        // the node's operator on this input shape: not every node takes the graph's input
                    }
                }
                assertEquals(fault.fired(), fired);
            }
            assertEquals(1, fired, point + " failing at call " + nth);
            assertEquals(before, LiveResources.summary(), point + " failing at call " + nth + " leaked");
        }
    }
}
