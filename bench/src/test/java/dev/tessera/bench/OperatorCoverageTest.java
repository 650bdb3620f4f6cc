package dev.tessera.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tessera.aparapi.AparapiBackend;
import dev.tessera.backend.Accuracy;
import dev.tessera.backend.Backend;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.CompiledGraph;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.models.Model;
import dev.tessera.models.ModelBuilder;
import dev.tessera.models.Parameter;
import dev.tessera.models.onnx.OnnxExporter;
import dev.tessera.models.onnx.OnnxImporter;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.opencl.ProgramCache;
import dev.tessera.peers.OnnxRuntimePeer;

/**
 * The completeness check behind "one place per operator": every permitted subtype of the sealed {@link Operator}
 * (found by reflection, so a new one cannot be forgotten here) must have a sample model below, and each sample runs
 * on every backend (reference, OpenCL, Aparapi with its Java fallback forbidden), layer by layer and as the backend's
 * compiled plan, within {@value #BOUND} of the
 * reference, is exported by {@link OnnxExporter}, run by ONNX Runtime within the same bound and read back by
 * {@link OnnxImporter} as the same operators. Adding an operator without its kernels, its exporter mapping or its
 * importer mapping fails here; the checklist is in docs/ARCHITECTURE.md.
 */
class OperatorCoverageTest {
    static final double BOUND = 1e-5;

    private static ClDevice device;
    private static final List<Backend> BACKENDS = new ArrayList<>();
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    @BeforeAll
    static void open() {
        device = DeviceSelector.fromSetting("tessera.test.device", "TESSERA_TEST_DEVICE");
        BACKENDS.add(OpenClBackend.open(device, ProgramCache.defaultCache(), null));
        BACKENDS.add(AparapiBackend.open(device, new AparapiBackend.Options(false, null)));
    }

    @AfterAll
    static void close() {
        BACKENDS.forEach(Backend::close);
    }

    /** One model per operator type; each puts that operator (with its parameters) after the input. */
    static Map<Class<?>, Function<ModelBuilder, ModelBuilder>> samples() {
        Map<Class<?>, Function<ModelBuilder, ModelBuilder>> s = new LinkedHashMap<>();
        s.put(Operator.Conv2d.class, b -> b.layer("conv", new Operator.Conv2d(2, 1, 1, 0, 1, 2, 1, 1, 1, true), List.of(Model.INPUT), List.of(
                        param("weight", Parameter.Init.HE_NORMAL, 4, 3, 3, 2),
                        param("bias", Parameter.Init.ZEROS, 4))));
        s.put(Operator.Pool.class, b -> b.layer("pool", new Operator.Pool(Operator.Pool.Kind.AVG, 3, 2, 2, 1, 1, 0, 1,
                1, true), List.of(Model.INPUT), List.of()));
        s.put(Operator.GlobalAvgPool.class, b -> b.globalAvgPool("gap"));
        s.put(Operator.Lrn.class, b -> b.layer("lrn", new Operator.Lrn(3, 2e-3, 0.75, 2, true), List.of(Model.INPUT),
                List.of()));
        s.put(Operator.Relu.class, b -> b.relu("relu"));
        s.put(Operator.Tanh.class, b -> b.tanh("tanh"));
        s.put(Operator.BiasAdd.class, b -> b.layer("bias", new Operator.BiasAdd(), List.of(Model.INPUT),
                List.of(param("bias", Parameter.Init.HE_NORMAL, 3))));
        s.put(Operator.Add.class, b -> b.relu("relu").add("add", "relu", Model.INPUT, false));
        s.put(Operator.FullyConnected.class, b -> b.fc("fc", 7, true));
        s.put(Operator.Softmax.class, b -> b.globalAvgPool("gap").softmax("softmax"));
        s.put(Operator.BatchNorm.class, b -> b.batchNorm("bn"));
        s.put(Operator.Concat.class, b -> b.relu("relu").concat("cat", Model.INPUT, "relu"));
        s.put(Operator.Flatten.class, b -> b.flatten("flatten"));
        s.put(Operator.Activation.class, b -> b.layer("clip", Operator.Activation.clip(-0.5, 0.5),
                List.of(Model.INPUT), List.of()).layer("leaky", Operator.Activation.leakyRelu(0.2), List.of("clip"),
                        List.of()).layer("sigmoid", Operator.Activation.sigmoid(), List.of("leaky"), List.of())
                .layer("hardsigmoid", Operator.Activation.hardSigmoid(0.3, 0.4), List.of(Model.INPUT), List.of())
                .layer("hardswish", Operator.Activation.hardSwish(), List.of("hardsigmoid"), List.of())
                .add("sum", "sigmoid", "hardswish", false));
        s.put(Operator.Pad.class, b -> b.layer("pad", new Operator.Pad(Operator.Pad.Mode.REFLECT, 1, 2, 0, 1, 0),
                List.of(Model.INPUT), List.of()).layer("pad2", new Operator.Pad(Operator.Pad.Mode.CONSTANT, 0, 1, 2, 0,
                        -3), List.of("pad"), List.of()).layer("pad3", new Operator.Pad(Operator.Pad.Mode.EDGE, 2, 0, 1,
                                1, 0), List.of("pad2"), List.of()));
        s.put(Operator.AxisSoftmax.class, b -> b.layer("channels", new Operator.AxisSoftmax(1, 1), List.of(Model.INPUT),
                List.of()).layer("plane", new Operator.AxisSoftmax(2, 2), List.of("channels"), List.of()));
        return s;
    }

    @Test
    void everyOperatorTypeHasASample() {
        Set<String> permitted = new TreeSet<>();
        for (Class<?> c : Operator.class.getPermittedSubclasses()) {
            permitted.add(c.getSimpleName());
        }
        Set<String> sampled = new TreeSet<>();
        samples().keySet().forEach(c -> sampled.add(c.getSimpleName()));
        assertEquals(permitted, sampled, "every Operator subtype needs a sample in OperatorCoverageTest.samples()");
    }

    @Test
    void everyOperatorRunsOnEveryBackendAndRoundTripsThroughOnnx() {
        List<String> failures = new ArrayList<>();
        for (Map.Entry<Class<?>, Function<ModelBuilder, ModelBuilder>> sample : samples().entrySet()) {
            String what = sample.getKey().getSimpleName();
            Model model = sample.getValue().apply(new ModelBuilder(what, 3, 6, 5)).build().initialise(7);
            assertTrue(model.layers().stream().anyMatch(l -> sample.getKey().isInstance(l.op())),
                    what + ": the sample must use the operator");
            Tensor x = Tensor.random(11, -2, 2, 2, 3, 6, 5);
            Tensor expected = model.forward(REFERENCE, x);
            for (Backend backend : BACKENDS) {
                try {
                    Tensor layerByLayer = model.forward(backend, x);
                    Tensor planned;
                    try (CompiledGraph plan = model.compile(backend, x.dim(0))) {
                        planned = plan.run(x);
                    }
                    for (Tensor actual : List.of(layerByLayer, planned)) {
                        assertArrayEquals(expected.shape(), actual.shape());
                        Accuracy a = Accuracy.of(actual, expected);
                        if (!(a.relativeL2() <= BOUND)) {
                            failures.add(what + " on " + backend.name() + (actual == planned ? " (compiled plan)"
                                    : " (layer by layer)") + ": " + a);
                        }
                    }
                } catch (RuntimeException e) {
                    failures.add(what + " on " + backend.name() + ": " + e.getMessage());
                }
            }
            try {
                byte[] onnx = OnnxExporter.toBytes(model);
                try (OnnxRuntimePeer ort = new OnnxRuntimePeer(onnx)) {
                    Accuracy a = Accuracy.of(ort.run(x), expected);
                    if (!(a.relativeL2() <= BOUND)) {
                        failures.add(what + " exported, in ONNX Runtime: " + a);
                    }
                }
                Model back = OnnxImporter.fromBytes(onnx);
                List<Operator> ops = model.layers().stream().map(l -> l.op()).toList();
                List<Operator> backOps = back.layers().stream().map(l -> l.op()).toList();
                if (!ops.equals(backOps)) {
                    failures.add(what + " read back as " + backOps + ", written as " + ops);
                }
            } catch (RuntimeException e) {
                failures.add(what + " through ONNX: " + e.getMessage());
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    private static Parameter param(String name, Parameter.Init init, int... shape) {
        return new Parameter(name, shape, init, true, null, null);
    }

}
