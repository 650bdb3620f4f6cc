package dev.tessera.api;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public API end to end: OpenCL sessions against reference sessions, the plan, timings and typed errors. */
class SessionTest {
    private static final Network LENET = Network.zoo("lenet5").withSeededWeights(5);

    private static float[] images(int count, int size, long seed) {
        Random r = new Random(seed);
        float[] x = new float[count * size];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        return x;
    }

    @Test
    void openClMatchesTheReferenceAndReportsEveryLayer() {
        float[] x = images(3, LENET.inputSize(), 1);
        Output expected;
        try (Session reference = LENET.compile(Devices.first(),
                CompileOptions.defaults().backend(BackendKind.REFERENCE).batch(3))) {
            expected = reference.run(x);
            assertEquals("reference-java", reference.ranOn());
        }
        try (Session session = LENET.compile(Devices.first(),
                CompileOptions.defaults().batch(3).algorithm(Algorithm.IM2COL).algorithm("conv2", Algorithm.DIRECT))) {
            Output out = session.run(x);
            assertArrayEquals(new int[] {3, 10}, out.shape());
            double err = 0;
            double norm = 0;
            for (int i = 0; i < out.values().length; i++) {
                err += Math.pow(out.values()[i] - expected.values()[i], 2);
                norm += Math.pow(expected.values()[i], 2);
            }
            assertTrue(Math.sqrt(err / norm) < 1e-5, "relative L2 " + Math.sqrt(err / norm));
            for (int i = 0; i < 3; i++) {
                assertEquals(expected.argmax(i), out.argmax(i));
            }
            assertTrue(session.ranOn().startsWith("opencl:"));
            List<LayerPlan> plan = session.plan();
            assertEquals(LENET.layers().size(), plan.size());
            assertEquals("im2col", plan.stream().filter(l -> l.layer().equals("conv1")).findFirst().get().algorithm());
            assertEquals("direct", plan.stream().filter(l -> l.layer().equals("conv2")).findFirst().get().algorithm());
            List<LayerTime> times = session.lastTimings();
            assertEquals(plan.size(), times.size());
            assertTrue(times.stream().filter(t -> t.operator().equals("conv2d")).allMatch(t -> t.kernelMs() > 0));
        }
    }

    @Test
    void topKIsSortedByScore() {
        Output out = new Output(new float[] {0.1f, 0.7f, 0.2f, 0.7f, 0f, 0f, 1f, 0f}, new int[] {2, 4});
        assertArrayEquals(new int[] {1, 3, 2}, out.topK(0, 3));
        assertEquals(2, out.argmax(1));
        assertArrayEquals(new float[] {0f, 0f, 1f, 0f}, out.image(1));
    }

    @Test
    void runsFromNpyFilesAndWritesThem(@TempDir Path dir) {
        float[] x = images(1, LENET.inputSize(), 2);
        try (Session session = LENET.compile()) {
            Output direct = session.run(x);
            Path in = dir.resolve("x.npy");
            new Output(x, new int[] {1, 1, 28, 28}).saveNpy(in);
            assertArrayEquals(direct.values(), session.run(in).values());
        }
    }

    @Test
    void errorsAreTypedAndSayWhatWentWrong() {
        DeviceNotFoundException noDevice = assertThrows(DeviceNotFoundException.class,
                () -> Devices.select("no-such-device-anywhere"));
        assertTrue(noDevice.getMessage().contains("no-such-device-anywhere"), noDevice.getMessage());
        assertThrows(ModelNotSupportedException.class, () -> Network.zoo("resnet7"));
        assertThrows(ModelNotSupportedException.class, () -> Network.zoo("lenet5", 64));
        ModelNotSupportedException winograd = assertThrows(ModelNotSupportedException.class,
                () -> LENET.compile(Devices.first(), CompileOptions.defaults().algorithm(Algorithm.WINOGRAD_4X4)));
        assertTrue(winograd.getMessage().contains("winograd-4x4"), winograd.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> LENET.compile(Devices.first(), CompileOptions.defaults().algorithm("fc1", Algorithm.DIRECT)));
        assertThrows(IllegalStateException.class, () -> Network.zoo("lenet5").compile());
        Session session = LENET.compile();
        assertThrows(IllegalArgumentException.class, () -> session.run(new float[5]));
        session.close();
        session.close();
        assertThrows(IllegalStateException.class, () -> session.run(new float[LENET.inputSize()]));
    }

    @Test
    void networkDescribesItself() {
        Network resnet = Network.zoo("resnet50");
        assertEquals(25_557_032L, resnet.parameterCount());
        assertArrayEquals(new int[] {3, 224, 224}, resnet.inputShape());
        assertArrayEquals(new int[] {4, 1000}, resnet.outputShape(4));
        assertEquals(resnet.macs(), resnet.layers().stream().mapToLong(LayerInfo::macs).sum());
        assertFalse(resnet.hasWeights());
        assertTrue(Network.zooNames().contains("vgg16"));
    }

    @Test
    void onnxRoundTripRunsTheSameNetwork(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("lenet5.onnx");
        LENET.saveOnnx(file);
        Network loaded = Network.fromOnnx(file);
        assertTrue(loaded.hasWeights());
        assertEquals(LENET.parameterCount(), loaded.parameterCount());
        float[] x = images(2, LENET.inputSize(), 3);
        CompileOptions reference = CompileOptions.defaults().backend(BackendKind.REFERENCE).batch(2);
        try (Session a = LENET.compile(Devices.first(), reference);
                Session b = loaded.compile(Devices.first(), reference)) {
            assertArrayEquals(a.run(x).values(), b.run(x).values(), "same weights, same reference output");
        }
        try (var in = java.nio.file.Files.newInputStream(file)) {
            assertEquals(LENET.layers().size(), Network.fromOnnx(in).layers().size());
        }
        java.nio.file.Files.write(dir.resolve("bad.onnx"), new byte[] {1, 2, 3});
        ModelNotSupportedException e = assertThrows(ModelNotSupportedException.class,
                () -> Network.fromOnnx(dir.resolve("bad.onnx")));
        assertTrue(e.getMessage().contains("not an ONNX model"), e.getMessage());
    }

    /** An ONNX file whose H and W are symbolic (a fully convolutional network) takes them from the given shape. */
    @Test
    void symbolicInputDimensionsComeFromTheGivenShape(@TempDir Path dir) throws Exception {
        dev.tessera.models.Model fcn = new dev.tessera.models.ModelBuilder("fcn", 1, 5, 5).conv("conv", 2, 3)
                .build().initialise(1);
        var proto = dev.tessera.models.onnx.OnnxExporter.toProto(fcn).toBuilder();
        var shape = proto.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder()
                .getShapeBuilder();
        shape.getDimBuilder(2).clearDimValue().setDimParam("H");
        shape.getDimBuilder(3).clearDimValue().setDimParam("W");
        Path file = dir.resolve("fcn.onnx");
        java.nio.file.Files.write(file, proto.build().toByteArray());
        ModelNotSupportedException e = assertThrows(ModelNotSupportedException.class, () -> Network.fromOnnx(file));
        assertTrue(e.getMessage().contains("symbolic H (H), W (W)"), e.getMessage());
        Network sized = Network.fromOnnx(file, 1, 12, 9);
        assertArrayEquals(new int[] {1, 12, 9}, sized.inputShape());
        assertArrayEquals(new int[] {1, 2, 10, 7}, sized.outputShape(1));
    }
}
