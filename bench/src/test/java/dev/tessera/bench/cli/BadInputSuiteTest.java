package dev.tessera.bench.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import ai.onnx.proto.OnnxMl;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.io.Npy;
import dev.tessera.models.ModelZoo;
import dev.tessera.models.onnx.OnnxExporter;

/**
 * The project's own bad-input suite: every command given hostile input, in-process through the CLI's entry point. Each
 * case must end with exit code 1, exactly one line on stderr that starts with "tessera" and names the problem (the
 * expected fragment), no stack trace, and no file left in the output folder. Every case fails before heavy work, so the
 * suite takes seconds. The count is recorded in docs/RELIABILITY.md.
 */
class BadInputSuiteTest {
    @TempDir
    static Path fixtures;

    /** One case: the arguments ({d} = the fixtures folder, {o} = an empty output folder) and what stderr must say. */
    record Case(String expected, String... args) {
    }

    static final List<Case> CASES = new ArrayList<>();

    private static void add(String expected, String... args) {
        CASES.add(new Case(expected, args));
    }

    static {
        // ---- .npy input files (op)
        add("does not exist", "op", "relu", "--input", "{d}/missing.npy", "--out", "{o}/y.npy");
        add("is a directory", "op", "relu", "--input", "{d}", "--out", "{o}/y.npy");
        add("bad magic", "op", "relu", "--input", "{d}/badmagic.npy", "--out", "{o}/y.npy");
        add("bad magic", "op", "relu", "--input", "{d}/empty.npy", "--out", "{o}/y.npy");
        add("/dev/zero: not an npy file (bad magic", "op", "relu", "--input", "/dev/zero", "--out", "{o}/y.npy");
        add("/dev/null: not an npy file (bad magic", "op", "relu", "--input", "/dev/null", "--out", "{o}/y.npy");
        add("truncated", "op", "relu", "--input", "{d}/truncated.npy", "--out", "{o}/y.npy");
        add("dtype '<f8'", "op", "relu", "--input", "{d}/f8.npy", "--out", "{o}/y.npy");
        add("fortran_order", "op", "relu", "--input", "{d}/fortran.npy", "--out", "{o}/y.npy");
        add("zero dimension", "op", "relu", "--input", "{d}/zerodim.npy", "--out", "{o}/y.npy");
        add("multiply past 2^63", "op", "relu", "--input", "{d}/wrap64.npy", "--out", "{o}/y.npy");
        add("more than one tensor can", "op", "relu", "--input", "{d}/wrap32.npy", "--out", "{o}/y.npy");
        add("more than one tensor can", "op", "relu", "--input", "{d}/bigdim.npy", "--out", "{o}/y.npy");
        add("unexpected bytes", "op", "relu", "--input", "{d}/extra.npy", "--out", "{o}/y.npy");
        add("malformed header", "op", "relu", "--input", "{d}/malformed.npy", "--out", "{o}/y.npy");
        add("malformed header", "op", "relu", "--input", "{d}/negative.npy", "--out", "{o}/y.npy");
        add("unsupported npy format version", "op", "relu", "--input", "{d}/version9.npy", "--out", "{o}/y.npy");
        add("does not exist", "op", "conv2d", "--input", "{d}/x.npy", "--weight", "{d}/nope.npy", "--out",
                "{o}/y.npy");
        add("bad magic", "op", "add", "--input", "{d}/x.npy", "--other", "{d}/badmagic.npy", "--out", "{o}/y.npy");
        // ---- output paths, checked before the work
        add("the path is empty", "op", "relu", "--input", "{d}/x.npy", "--out", "");
        add("does not exist", "op", "relu", "--input", "{d}/x.npy", "--out", "{o}/missing/y.npy");
        add("is a directory", "op", "relu", "--input", "{d}/x.npy", "--out", "{o}");
        add("is not a folder", "op", "relu", "--input", "{d}/x.npy", "--out", "{d}/x.npy/y.npy");
        add("the path is empty", "run", "lenet5", "--backend", "reference", "--out", "");
        add("does not exist", "run", "lenet5", "--backend", "reference", "--out", "{o}/missing/y.npy");
        add("is a directory", "run", "lenet5", "--backend", "reference", "--out", "{o}");
        add("the path is empty", "export", "lenet5", "--out", "");
        add("does not exist", "export", "lenet5", "--out", "{o}/missing/m.onnx");
        add("is a directory", "export", "lenet5", "--out", "{o}");
        add("does not exist", "train", "lenet5", "--out", "{o}/missing/m.onnx");
        add("is not a folder", "train", "lenet5", "--out", "{d}/x.npy/weights");
        add("the path is empty", "bench", "--out", "");
        add("is a directory", "bench", "--out", "{o}");
        add("is not a folder", "bench", "--out", "{d}/x.npy/r.json");
        add("the path is empty", "report", "{d}/deep.json", "--out", "");
        add("not a folder", "report", "{d}/deep.json", "--out", "{d}/x.npy");
        // ---- operator options: sizes, overflow, blame
        add("out of range", "op", "conv2d", "--input", "{d}/x.npy", "--weight", "{d}/w.npy", "--pad", "2000000000",
                "--out", "{o}/y.npy");
        add("larger than the padded input", "op", "conv2d", "--input", "{d}/x.npy", "--weight", "{d}/w.npy",
                "--dilation", "2000000000", "--out", "{o}/y.npy");
        add("out of range", "op", "conv2d", "--input", "{d}/x.npy", "--weight", "{d}/w.npy", "--pad",
                "99999999999", "--out", "{o}/y.npy");
        add("must be positive", "op", "conv2d", "--input", "{d}/x.npy", "--weight", "{d}/w.npy", "--stride", "0",
                "--out", "{o}/y.npy");
        add("must be positive", "op", "conv2d", "--input", "{d}/x.npy", "--weight", "{d}/w.npy", "--pad", "-1",
                "--out", "{o}/y.npy");
        add("must be positive", "op", "conv2d", "--input", "{d}/x.npy", "--weight", "{d}/w.npy", "--dilation",
                "0", "--out", "{o}/y.npy");
        add("--pad takes P", "op", "conv2d", "--input", "{d}/x.npy", "--weight", "{d}/w.npy", "--pad", "1,2,3",
                "--out", "{o}/y.npy");
        add("needs integers", "op", "conv2d", "--input", "{d}/x.npy", "--weight", "{d}/w.npy", "--pad", "abc",
                "--out", "{o}/y.npy");
        add("takes one value or two", "op", "conv2d", "--input", "{d}/x.npy", "--weight", "{d}/w.npy",
                "--stride", "1,2,3", "--out", "{o}/y.npy");
        add("groups must be at least 1", "op", "conv2d", "--input", "{d}/x.npy", "--weight", "{d}/w.npy",
                "--groups", "0", "--out", "{o}/y.npy");
        add("bogus", "op", "conv2d", "--input", "{d}/x.npy", "--weight", "{d}/w.npy", "--algo", "bogus", "--out",
                "{o}/y.npy");
        add("channel", "op", "conv2d", "--input", "{d}/x.npy", "--weight", "{d}/w3.npy", "--out", "{o}/y.npy");
        add("kernel 0x0 must be at least 1x1", "op", "maxpool", "--input", "{d}/x.npy", "--kernel", "0", "--out",
                "{o}/y.npy");
        add("kernel -3x-3 must be at least 1x1", "op", "maxpool", "--input", "{d}/x.npy", "--kernel", "-3",
                "--out", "{o}/y.npy");
        add("must be smaller than", "op", "maxpool", "--input", "{d}/x.npy", "--kernel", "2", "--pad", "2",
                "--out", "{o}/y.npy");
        add("larger than the padded input", "op", "avgpool", "--input", "{d}/x.npy", "--kernel", "40", "--out",
                "{o}/y.npy");
        add("must be positive", "op", "avgpool", "--input", "{d}/x.npy", "--kernel", "2", "--stride", "0",
                "--out", "{o}/y.npy");
        add("out of range", "op", "maxpool", "--input", "{d}/x.npy", "--kernel", "2000000000,3", "--pad",
                "1999999999,1999999999,0,0", "--out", "{o}/y.npy");
        add("not a finite number", "op", "lrn", "--input", "{d}/x.npy", "--beta", "NaN", "--out", "{o}/y.npy");
        add("not a finite number", "op", "lrn", "--input", "{d}/x.npy", "--alpha", "Infinity", "--out",
                "{o}/y.npy");
        add("not a finite number", "op", "lrn", "--input", "{d}/x.npy", "--k", "-Infinity", "--out", "{o}/y.npy");
        add("lrn: size must be at least 1: 0", "op", "lrn", "--input", "{d}/x.npy", "--size", "0", "--out",
                "{o}/y.npy");
        add("lrn: beta NaN is not a finite number", "run", "{d}/lrn-nan.onnx", "--backend", "reference");
        add("not a number", "op", "lrn", "--input", "{d}/x.npy", "--beta", "abc", "--out", "{o}/y.npy");
        add("fc: weight", "op", "fc", "--input", "{d}/x.npy", "--weight", "{d}/w.npy", "--out", "{o}/y.npy");
        add("add", "op", "add", "--input", "{d}/x.npy", "--other", "{d}/w.npy", "--out", "{o}/y.npy");
        add("must be [N, C]", "op", "softmax", "--input", "{d}/x.npy", "--out", "{o}/y.npy");
        add("Missing required option", "op", "relu", "--input", "{d}/x.npy");
        add("Unmatched argument", "op", "bogus");
        add("bogus", "op", "relu", "--input", "{d}/x.npy", "--out", "{o}/y.npy", "--backend", "bogus");
        add("no OpenCL device with index 99", "op", "relu", "--input", "{d}/x.npy", "--out", "{o}/y.npy",
                "--device", "99");
        add("--dump-kernels", "op", "relu", "--input", "{d}/x.npy", "--out", "{o}/y.npy", "--backend",
                "reference", "--dump-kernels", "{o}/k");
        // ---- run: models, ONNX files, inputs, sizes
        add("nosuchmodel", "run", "nosuchmodel");
        add("no such file", "run", "{d}/missing.onnx");
        add("garbage.onnx", "run", "{d}/garbage.onnx");
        add("dimension H = 0; dimensions must be positive", "run", "{d}/zero-dim.onnx");
        add("dimension W = -4; dimensions must be positive", "run", "{d}/negative-dim.onnx");
        add("more than one tensor can", "run", "{d}/huge-dim.onnx");
        add("--input-size applies to built-in models", "run", "{d}/zero-dim.onnx", "--input-size", "32");
        add("--batch must be at least 1", "run", "lenet5", "--batch", "0");
        add("--batch must be at least 1", "run", "lenet5", "--batch", "-5");
        add("--batch 2147483647", "run", "lenet5", "--batch", "2147483647", "--backend", "reference");
        add("input size", "run", "lenet5", "--input-size", "32");
        add("input size must be positive", "run", "vgg16", "--input-size", "0");
        add("input size 2000000000 is too large", "run", "vgg16", "--input-size", "2000000000", "--backend",
                "reference");
        add("input size 20000 is too large", "run", "vgg16", "--input-size", "20000", "--backend", "reference");
        add("does not fit lenet5", "run", "lenet5", "--input", "{d}/w.npy", "--backend", "reference");
        add("does not match the 1 images", "run", "lenet5", "--input", "{d}/x.npy", "--batch", "3");
        add("bad magic", "run", "lenet5", "--input", "{d}/badmagic.npy", "--backend", "reference");
        add("Invalid value for option '--seed'", "run", "lenet5", "--seed", "abc");
        add("--seed has nothing to seed", "run", "{d}/lenet5.onnx", "--seed", "3", "--input", "{d}/x.npy");
        // ---- export and models
        add("nosuch", "export", "nosuch", "--out", "{o}/m.onnx");
        add("export takes a built-in model name", "export", "{d}/lenet5.onnx", "--out", "{o}/m.onnx");
        add("input size must be positive", "export", "vgg16", "--input-size", "-1", "--out", "{o}/m.onnx");
        add("nosuch", "models", "nosuch");
        add("input size", "models", "lenet5", "--input-size", "64");
        add("input size must be positive", "models", "vgg16", "--input-size", "0");
        add("input size 2000000000 is too large", "models", "vgg16", "--input-size", "2000000000");
        // ---- train: options refused before any data is loaded
        add("not a finite number", "train", "lenet5", "--lr", "NaN");
        add("not a finite number", "train", "lenet5", "--momentum", "Infinity");
        add("not a finite number", "train", "lenet5", "--weight-decay", "-Infinity");
        add("epochs", "train", "lenet5", "--epochs", "0");
        add("batch", "train", "lenet5", "--batch", "0");
        add("vgg16", "train", "vgg16");
        add("unknown schedule 'bogus'", "train", "lenet5", "--schedule", "bogus");
        add("missing-data", "train", "lenet5", "--data", "{d}/missing-data");
        // ---- bench: settings refused before any measurement
        add("not a finite number", "bench", "--min-time", "NaN", "--out", "{o}/r.json");
        add("nosuch", "bench", "--models", "nosuch", "--out", "{o}/r.json");
        add("bogus", "bench", "--algos", "bogus", "--out", "{o}/r.json");
        add("bogus", "bench", "--backends", "bogus", "--out", "{o}/r.json");
        add("bogus", "bench", "--scenarios", "bogus", "--out", "{o}/r.json");
        add("bogus", "bench", "--peers", "bogus", "--out", "{o}/r.json");
        add("batch", "bench", "--batch", "0", "--out", "{o}/r.json");
        add("input size must be positive", "bench", "--models", "vgg16", "--input-size", "0", "--out",
                "{o}/r.json");
        add("input size 2000000000 is too large", "bench", "--models", "vgg16", "--input-size", "2000000000",
                "--out", "{o}/r.json");
        // ---- report: files that cannot be used
        add("nesting depth", "report", "{d}/deep.json", "--out", "{o}/rep");
        add("not valid JSON", "report", "{d}/notjson.json", "--out", "{o}/rep");
        add("empty file", "report", "{d}/empty.json", "--out", "{o}/rep");
        add("no such file", "report", "{d}/missing.json", "--out", "{o}/rep");
        add("wrongschema.json", "report", "{d}/wrongschema.json", "--out", "{o}/rep");
        add("Missing required parameter", "report", "--out", "{o}/rep");
        // ---- devices, probe, selftest, the command itself
        add("no OpenCL device with index 99", "selftest", "--device", "99");
        add("bogus", "selftest", "--backend", "bogus", "--device", "0");
        add("no-such-gpu", "probe", "--device", "no-such-gpu");
        add("Unknown option", "devices", "--bogus");
        add("missing command", new String[0]);
        add("Unmatched argument", "bogus-command");
        // ---- tune: options refused before any search
        add("--operators: unknown 'softmax'", "tune", "--operators", "gemm,softmax");
        add("--confirm must be 0 or more rounds", "tune", "--confirm", "-1");
        add("--size needs three positive numbers", "tune", "--size", "4,0,4");
        add("no OpenCL device with index 99", "tune", "--device", "99");
    }

    @BeforeAll
    static void writeFixtures() throws IOException {
        Npy.write(fixtures.resolve("x.npy"), Tensor.random(1, 0, 1, 1, 1, 28, 28));
        Npy.write(fixtures.resolve("w.npy"), Tensor.random(2, -1, 1, 2, 1, 3, 3));
        Npy.write(fixtures.resolve("w3.npy"), Tensor.random(3, -1, 1, 2, 3, 3, 3));
        Files.write(fixtures.resolve("badmagic.npy"), "not numpy at all".getBytes(StandardCharsets.US_ASCII));
        Files.write(fixtures.resolve("empty.npy"), new byte[0]);
        byte[] good = Files.readAllBytes(fixtures.resolve("x.npy"));
        Files.write(fixtures.resolve("truncated.npy"), java.util.Arrays.copyOf(good, good.length - 10));
        byte[] extra = java.util.Arrays.copyOf(good, good.length + 3);
        Files.write(fixtures.resolve("extra.npy"), extra);
        npy("f8.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16);
        npy("fortran.npy", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16);
        npy("zerodim.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", 0);
        npy("wrap64.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536, 65536, 65536), }",
                0);
        npy("wrap32.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536, 1, 1), }", 0);
        npy("bigdim.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967297,), }", 4);
        npy("malformed.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2", 8);
        npy("negative.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2), }", 8);
        npy("version9.npy", 9, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8);
        Files.writeString(fixtures.resolve("deep.json"), "[".repeat(5000) + "]".repeat(5000));
        Files.writeString(fixtures.resolve("notjson.json"), "{ this is not json");
        Files.writeString(fixtures.resolve("empty.json"), "");
        Files.writeString(fixtures.resolve("wrongschema.json"), "{\"a\": 1}");
        Files.write(fixtures.resolve("garbage.onnx"), "\u0008garbage protobuf".getBytes(StandardCharsets.UTF_8));
        OnnxMl.ModelProto lenet = OnnxExporter.toProto(ModelZoo.build("lenet5").initialise(1));
        Files.write(fixtures.resolve("lenet5.onnx"), lenet.toByteArray());
        OnnxMl.ModelProto.Builder lrn = OnnxExporter.toProto(ModelZoo.build("vgg11-lrn", 32).initialise(1))
                .toBuilder();
        for (OnnxMl.NodeProto.Builder node : lrn.getGraphBuilder().getNodeBuilderList()) {
            if (node.getOpType().equals("LRN")) {
                for (OnnxMl.AttributeProto.Builder a : node.getAttributeBuilderList()) {
                    if (a.getName().equals("beta")) {
                        a.setF(Float.NaN);
                    }
                }
            }
        }
        Files.write(fixtures.resolve("lrn-nan.onnx"), lrn.build().toByteArray());
        onnxWithInputDim(lenet, "zero-dim.onnx", 2, 0);
        onnxWithInputDim(lenet, "negative-dim.onnx", 3, -4);
        onnxWithInputDim(lenet, "huge-dim.onnx", 3, 1L << 32);
    }

    /** An .npy file with the given version, header dictionary and number of data bytes. */
    private static void npy(String name, int major, String dict, int dataBytes) throws IOException {
        String header = dict + " ".repeat(Math.max(0, 117 - dict.length())) + "\n";
        Files.write(fixtures.resolve(name), Npy.rawFile(major, header, new byte[dataBytes]));
    }

    /** LeNet-5's ONNX file with input dimension {@code axis} set to {@code value}. */
    private static void onnxWithInputDim(OnnxMl.ModelProto model, String name, int axis, long value)
            throws IOException {
        OnnxMl.ModelProto.Builder b = model.toBuilder();
        b.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder()
                .getDimBuilder(axis).setDimValue(value);
        Files.write(fixtures.resolve(name), b.build().toByteArray());
    }

    @TestFactory
    Stream<DynamicTest> everyCaseIsOneLineExitOneAndLeavesNoFile() {
        assertTrue(CASES.size() >= 80, "at least 80 cases: " + CASES.size());
        return CASES.stream().map(c -> DynamicTest.dynamicTest("tessera " + String.join(" ", c.args()),
                () -> check(c)));
    }

    private static void check(Case c) throws IOException {
        Path out = Files.createTempDirectory(fixtures, "out");
        List<String> before = listing(Path.of(""));
        String[] args = Stream.of(c.args()).map(a -> a.replace("{d}", fixtures.toString())
                .replace("{o}", out.toString())).toArray(String[]::new);
        long start = System.nanoTime();
        CliTest.Run run = CliTest.run(args);
        double seconds = (System.nanoTime() - start) / 1e9;
        String what = String.join(" ", args) + "\nstderr: " + run.err();
        assertEquals(1, run.code(), what);
        assertEquals(1, run.err().strip().lines().count(), "one line on stderr: " + what);
        assertTrue(run.err().startsWith("tessera"), what);
        assertTrue(run.err().contains(c.expected()), "names the problem (" + c.expected() + "): " + what);
        assertFalse(run.err().contains("Exception") || run.err().contains("\tat ") || run.err().contains("Error:"),
                "no stack trace or exception name: " + what);
        try (Stream<Path> left = Files.list(out)) {
            assertEquals(List.of(), left.toList(), "no file left behind: " + what);
        }
        assertEquals(before, listing(Path.of("")), "nothing new in the working directory: " + what);
        assertTrue(seconds < 20, "fails fast (" + seconds + " s): " + what);
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(Path::toString).sorted().toList();
        }
    }
}
