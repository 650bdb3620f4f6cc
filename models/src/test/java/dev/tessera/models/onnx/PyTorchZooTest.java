package dev.tessera.models.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.CompiledGraph;
import dev.tessera.backend.io.Npy;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.models.Model;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.opencl.ProgramCache;

/**
 * torchvision's AlexNet, VGG-11, ResNet-18, SqueezeNet 1.1 and MobileNetV2 with seeded random weights, and a small fully
 * convolutional segmentation head (LeakyReLU, reflection padding, hard swish, softmax over the classes per pixel; H and
 * W symbolic in the TorchScript export), exported by both
 * PyTorch exporters at their defaults (the TorchScript one and the dynamo one, whose weights lie in a .onnx.data file
 * beside the model), imported by Tessera and run on the OpenCL backend and the double-precision reference, each
 * against ONNX Runtime's output on the same input within {@value #BOUND} relative L2; then exported again by Tessera
 * and run in ONNX Runtime (Java), which must agree with the same output.
 *
 * <p>{@code scripts/pytorch/export} makes the models at test time (a virtual environment with the pinned PyTorch;
 * nothing downloaded but packages). Without Python or the packages the test is skipped and says why. Which models:
 * {@code TESSERA_PYTORCH_ZOO} = {@code quick} (the default, in CI: ResNet-18, SqueezeNet 1.1, MobileNetV2 and the
 * head at 64x64; the three's adaptive pooling is global at any size), {@code full} (all six at 224x224; AlexNet and VGG-11 need it for
 * their 6x6 and 7x7 adaptive pooling to be the identity; {@code scripts/pytorch-zoo}) or {@code off}.
 */
class PyTorchZooTest {
    static final double BOUND = 1e-4;

    private static OpenClBackend opencl;
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    @BeforeAll
    static void open() {
        opencl = OpenClBackend.open(DeviceSelector.fromSetting("tessera.test.device", "TESSERA_TEST_DEVICE"),
                ProgramCache.defaultCache(), null);
    }

    @AfterAll
    static void close() {
        if (opencl != null) {
            opencl.close();
        }
    }

    /** One export: the manifest line export_zoo.py writes. */
    record Export(String model, String exporter, int size, Path onnx, Path input, Path output) {
    }

    @Test
    void pytorchExportsMatchOnnxRuntime() throws Exception {
        String setting = System.getenv().getOrDefault("TESSERA_PYTORCH_ZOO", "quick").toLowerCase(Locale.ROOT);
        Assumptions.assumeFalse(setting.equals("off"), "skipped: TESSERA_PYTORCH_ZOO=off");
        List<Export> exports = new ArrayList<>();
        Path root = Path.of("target", "pytorch-zoo").toAbsolutePath();
        if (setting.equals("full")) {
            exports.addAll(export(root.resolve("224"), "alexnet,vgg11,resnet18,squeezenet1_1,mobilenet_v2,fcn", 224));
        } else {
            exports.addAll(export(root.resolve("64"), "resnet18,squeezenet1_1,mobilenet_v2,fcn", 64));
        }
        assertEquals(setting.equals("full") ? 12 : 8, exports.size(), "one export per model and exporter");
        List<String> lines = new ArrayList<>();
        for (Export e : exports) {
            lines.add(check(e));
        }
        lines.forEach(System.out::println);
    }

    private static String check(Export e) throws Exception {
        String what = e.model() + " (" + e.exporter() + ", " + e.size() + "x" + e.size() + ")";
        long start = System.nanoTime();
        Tensor x = Npy.read(e.input());
        Model model = OnnxImporter.load(e.onnx(), x.shape()); // the shape fixes fcn's symbolic H and W
        Tensor expected = Npy.read(e.output());
        Tensor actual;
        try (CompiledGraph graph = model.compile(opencl, 1)) {
            actual = graph.run(x);
        }
        assertArrayEquals(expected.shape(), actual.shape(), what);
        Accuracy onOpenCl = Accuracy.of(actual, expected);
        assertTrue(onOpenCl.relativeL2() <= BOUND, what + " on OpenCL against ONNX Runtime: " + onOpenCl);
        Accuracy onReference = Accuracy.of(model.forward(REFERENCE, x), expected);
        assertTrue(onReference.relativeL2() <= BOUND, what + " on the reference against ONNX Runtime: " + onReference);
        Accuracy again = Accuracy.of(OnnxRuntimeTest.runInOrt(OnnxExporter.toBytes(model), x), expected);
        assertTrue(again.relativeL2() <= BOUND, what + " exported again by Tessera, in ONNX Runtime: " + again);
        return String.format(Locale.ROOT, "%s: %d layers; OpenCL %s, reference %s, re-exported in ONNX Runtime %s"
                + " (%.1f s)", what, model.layers().size(), onOpenCl, onReference, again,
                (System.nanoTime() - start) / 1e9);
    }

    /** Runs scripts/pytorch/export into {@code dir}; skips the test (with the script's reason) on exit 77. */
    private static List<Export> export(Path dir, String models, int size) throws IOException, InterruptedException {
        Path script = Path.of("..", "scripts", "pytorch", "export").toAbsolutePath().normalize();
        Files.createDirectories(dir);
        Path log = dir.resolve("export.log");
        Process p = new ProcessBuilder(script.toString(), dir.toString(), "--models", models, "--size",
                String.valueOf(size)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(script + " did not finish in 30 minutes; see " + log);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (p.exitValue() == 77) {
            String reason = output.lines().filter(l -> l.startsWith("skipped:")).findFirst().orElse(output.strip());
            System.out.println("PyTorchZooTest " + reason);
            Assumptions.abort(reason);
        }
        assertEquals(0, p.exitValue(), script + " failed:\n" + output);
        List<Export> exports = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("manifest.tsv"))) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t");
            exports.add(new Export(f[0], f[1], Integer.parseInt(f[2]), dir.resolve(f[3]), dir.resolve(f[4]),
                    dir.resolve(f[5])));
        }
        return exports;
    }
}
