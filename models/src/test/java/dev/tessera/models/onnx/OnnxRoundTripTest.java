package dev.tessera.models.onnx;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.models.Layer;
import dev.tessera.models.Model;
import dev.tessera.models.ModelZoo;
import dev.tessera.models.Parameter;

/**
 * Every built-in model survives export and import: the same layers, operators, inputs, parameter names, shapes,
 * initialisation kinds, masks and values (bit for bit), and the same output on the reference backend.
 */
class OnnxRoundTripTest {
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    @AfterAll
    static void close() {
        REFERENCE.close();
    }

    static List<String> zoo() {
        return ModelZoo.names();
    }

    /** VGG and ResNet at 32x32 (their smallest size) to keep the reference forward pass fast; the rest are fixed. */
    static Model small(String name) {
        Model m = ModelZoo.build(name, ModelZoo.acceptsOtherInputSizes(name) ? 32 : ModelZoo.defaultInputSize(name))
                .initialise(name.hashCode());
        return name.startsWith("resnet") ? m.withRandomBatchNorm(17) : m;
    }

    @ParameterizedTest
    @MethodSource("zoo")
    void everyZooModelSurvivesExactly(String name) {
        Model original = small(name);
        Model imported = OnnxImporter.fromBytes(OnnxExporter.toBytes(original));
        assertSameModel(original, imported);

        int[] in = original.inputShape();
        Tensor input = Tensor.random(3, -1f, 1f, 1, in[0], in[1], in[2]);
        Tensor expected = original.forward(REFERENCE, input);
        Tensor actual = imported.forward(REFERENCE, input);
        if (original.layers().stream().anyMatch(l -> l.op() instanceof Operator.Lrn)) {
            // the LRN coefficient is alpha x size / size in double after the trip (see assertSameOperator)
            assertTrue(Accuracy.of(actual, expected).relativeL2() < 1e-7, Accuracy.of(actual, expected).toString());
        } else {
            assertArrayEquals(expected.data(), actual.data(), name + ": outputs differ");
        }
    }

    /** Asymmetric padding, groups, dilation, fused ReLUs, bias add, concat, LRN in the alpha/size convention. */
    @Test
    void everyOperatorAndAttributeSurvivesExactly() {
        Model original = OnnxRuntimeTest.attributeModel();
        Model imported = OnnxImporter.fromBytes(OnnxExporter.toBytes(original));
        // its biases are drawn like weights so that they are not zero; ONNX does not carry how a parameter was drawn,
        // the importer gives each the builder's kind for its role (bias: ZEROS), so init is not compared here
        assertSameModel(original, imported, false);
        Tensor input = Tensor.random(6, -1f, 1f, 2, 4, 11, 9);
        assertArrayEquals(original.forward(REFERENCE, input).data(), imported.forward(REFERENCE, input).data());
    }

    @Test
    void exportWritesTheFileAtomicallyAndLoadReadsIt(@TempDir Path dir) throws Exception {
        Model original = small("lenet5-classic");
        Path file = dir.resolve("classic.onnx");
        OnnxExporter.export(original, file);
        assertArrayEquals(OnnxExporter.toBytes(original), Files.readAllBytes(file));
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(file), listing.toList(), "no temporary file is left beside it");
        }
        assertSameModel(original, OnnxImporter.load(file));
        try (var stream = Files.newInputStream(file)) {
            assertSameModel(original, OnnxImporter.load(stream));
        }
        // the connection table survives: 60,806 parameters counts only the connected C3 weights
        assertEquals(60_806, OnnxImporter.load(file).parameterCount());
    }

    @Test
    void exportRefusesAnUninitialisedModel() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> OnnxExporter.toBytes(ModelZoo.build("lenet5")));
        assertTrue(e.getMessage().contains("initialise"), e.getMessage());
    }

    static void assertSameModel(Model expected, Model actual) {
        assertSameModel(expected, actual, true);
    }

    static void assertSameModel(Model expected, Model actual, boolean compareInit) {
        assertEquals(expected.name(), actual.name());
        assertArrayEquals(expected.inputShape(), actual.inputShape());
        assertEquals(expected.layers().size(), actual.layers().size(), expected.name() + ": layer count");
        for (int i = 0; i < expected.layers().size(); i++) {
            Layer e = expected.layers().get(i);
            Layer a = actual.layers().get(i);
            String where = expected.name() + " layer " + e.name();
            assertEquals(e.name(), a.name(), where);
            assertEquals(e.inputs(), a.inputs(), where);
            assertSameOperator(e.op(), a.op(), where);
            assertEquals(e.parameters().size(), a.parameters().size(), where);
            for (int j = 0; j < e.parameters().size(); j++) {
                assertSameParameter(e.parameters().get(j), a.parameters().get(j), where, compareInit);
            }
        }
        assertEquals(expected.parameterCount(), actual.parameterCount());
        assertEquals(expected.macs(), actual.macs());
    }

    /**
     * Records must be equal, except LRN: ONNX's alpha is the coefficient times size, so the paper-convention
     * (alpha, false) comes back as the equivalent (alpha x size, true); the coefficients agree to double rounding.
     */
    private static void assertSameOperator(Operator e, Operator a, String where) {
        if (e instanceof Operator.Lrn le && a instanceof Operator.Lrn la) {
            assertEquals(le.size(), la.size(), where);
            assertEquals(le.beta(), la.beta(), 0, where);
            assertEquals(le.k(), la.k(), 0, where);
            assertEquals(le.effectiveAlpha(), la.effectiveAlpha(), 1e-15 * le.effectiveAlpha(), where);
        } else {
            assertEquals(e, a, where);
        }
    }

    private static void assertSameParameter(Parameter e, Parameter a, String where, boolean compareInit) {
        where += " parameter " + e.name();
        assertEquals(e.name(), a.name(), where);
        assertArrayEquals(e.shape(), a.shape(), where);
        if (compareInit) {
            assertEquals(e.init(), a.init(), where);
        }
        assertEquals(e.trainable(), a.trainable(), where);
        assertEquals(e.mask() == null, a.mask() == null, where + " mask");
        if (e.mask() != null) {
            assertArrayEquals(e.mask().data(), a.mask().data(), where + " mask");
        }
        float[] ev = e.value().data();
        float[] av = a.value().data();
        assertEquals(ev.length, av.length, where);
        for (int k = 0; k < ev.length; k++) {
            if (Float.floatToRawIntBits(ev[k]) != Float.floatToRawIntBits(av[k])) {
                fail(where + ": value " + k + " is " + av[k] + ", was " + ev[k]);
            }
        }
    }
}
