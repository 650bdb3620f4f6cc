package dev.tessera.bench.harness;

import static org.junit.jupiter.api.Assertions.*;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tessera.backend.Backend;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.OpResult;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.models.Model;
import dev.tessera.models.data.Mnist;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.ResultRow;
import dev.tessera.reports.results.ResultsJson;
import dev.tessera.reports.results.SummaryCsv;

/** A tiny bench run end to end: LeNet-5 on the reference and the test device, with failures injected. */
class HarnessTest {
    private static final ClDevice DEVICE = DeviceSelector.fromSetting("tessera.test.device", "TESSERA_TEST_DEVICE");

    private static BenchSettings settings(List<String> backends, List<ConvAlgorithm> algorithms, List<String> peers) {
        return new BenchSettings(true, List.of("lenet5"), null, backends, "test", List.of(DEVICE), algorithms,
                List.of(1, 2), BenchSettings.SCENARIOS, peers, new Sampler(0, 3, 0, 100), 2, 42, false);
    }

    private static Backend open(String name, ClDevice device) {
        return switch (name) {
            case "opencl" -> OpenClBackend.open(device);
            case "reference" -> new ReferenceBackend();
            default -> throw new IllegalArgumentException("the " + name + " backend is not in this build");
        };
    }

    @Test
    void writesJsonAndCsvThatAgreeWithEachOtherAndWithTheReference(@TempDir Path dir) throws Exception {
        BenchSettings s = settings(List.of("opencl", "aparapi", "reference"),
                List.of(ConvAlgorithm.AUTO, ConvAlgorithm.WINOGRAD_4X4), List.of("clblast", "onnxruntime"));
        Harness harness = new Harness(s, HarnessTest::open, Progress.silent());
        ResultFiles files = new ResultFiles(dir.resolve("out/results.json"));
        List<String> statusesSeen = new ArrayList<>();
        BenchResults done = harness.run(EnvironmentInfo.collect("test", 42, List.of(), true), r -> {
            statusesSeen.add(r.status());
            files.write(r);
        });
        files.write(done);
        assertTrue(statusesSeen.stream().allMatch("running"::equals));

        BenchResults json;
        try (InputStream in = Files.newInputStream(files.json())) {
            json = ResultsJson.read(in);
        }
        assertEquals("complete", json.status());
        Map<String, ResultRow> rows = new HashMap<>();
        json.rows().forEach(r -> rows.put(r.id(), r));

        // the run went on past every failure, and each failure is a row with its reason
        ResultRow aparapi = rows.get("latency/aparapi/0/lenet5/auto/b1");
        assertEquals(ResultRow.UNSUPPORTED, aparapi.status());
        assertTrue(aparapi.reason().contains("aparapi"), aparapi.reason());
        ResultRow winograd = rows.get("latency/opencl/0/lenet5/winograd-4x4/b1");
        assertEquals(ResultRow.UNSUPPORTED, winograd.status(), "Winograd F(4x4, 3x3) cannot run LeNet-5's 5x5 convs");
        assertFalse(winograd.reason().isBlank());
        // the trained LeNet-5 on the 2,000 held-out digits: the reference gets docs/ACCURACY.md's 1,974 right
        ResultRow mnist = rows.get("mnist/opencl/0/lenet5/auto/b8");
        assertEquals(ResultRow.OK, mnist.status(), mnist.reason());
        assertEquals(2000, mnist.mnist().images());
        assertEquals(1974 / 2000.0, mnist.mnist().referenceAccuracy(), 1e-12);
        assertEquals(mnist.mnist().referenceAccuracy(), mnist.mnist().accuracy(), 0.002, "float32 on the device");
        assertEquals(ResultRow.UNSUPPORTED, rows.get("mnist/opencl/0/lenet5/winograd-4x4/b8").status());

        ResultRow latency = rows.get("latency/opencl/0/lenet5/auto/b1");
        assertEquals(ResultRow.OK, latency.status(), latency.reason());
        assertTrue(latency.ranOn().startsWith("opencl:"), latency.ranOn());
        assertEquals(3, latency.endToEndMs().n());
        assertEquals(3, latency.residentMs().samples().size());
        // per-layer figures against the wall time of the same runs
        ResultRow.LayerCheck check = latency.layerCheck();
        assertTrue(check.consistent(), check.toString());
        assertTrue(check.kernelSumMs() > 0 && check.kernelSumMs() <= check.runWallMs() * 1.05, check.toString());
        double shares = latency.layers().stream().mapToDouble(ResultRow.LayerEntry::shareOfTotal).sum();
        assertEquals(1.0, shares, 1e-9);
        double kernelSum = latency.layers().stream().mapToDouble(ResultRow.LayerEntry::kernelMs).sum();
        assertEquals(check.kernelSumMs(), kernelSum, 0.5 * kernelSum + 1e-3, "sum of medians near the median sum");
        ResultRow.LayerEntry conv1 = latency.layers().get(0);
        assertEquals(6L * 1 * 5 * 5 * 28 * 28, conv1.macs(), "LeNet-5 conv1: 6 maps of 28x28, 5x5 taps on 1 channel");
        assertEquals(2.0 * conv1.macs() / (conv1.kernelMs() * 1e6), conv1.gflops(), 1e-9);
        assertNotNull(conv1.clblastMs(), "the CLBlast peer ran the same layer");
        assertEquals(conv1.kernelMs() / conv1.clblastMs(), conv1.ratioToClblast(), 1e-12);
        assertTrue(latency.peerComparisons().stream().anyMatch(c -> c.peer().equals("clblast")));
        assertNotNull(latency.preparation());

        ResultRow throughput1 = rows.get("throughput/opencl/0/lenet5/auto/b1");
        assertNotNull(throughput1.latencyCheck(), "images/s at batch 1 is checked against the latency");
        assertEquals(latency.id(), throughput1.latencyCheck().latencyRowId());
        assertEquals(1000.0 / latency.residentMs().median(), throughput1.latencyCheck().impliedImagesPerSecond(),
                1e-9);
        ResultRow throughput2 = rows.get("throughput/opencl/0/lenet5/auto/b2");
        assertEquals(GraphMeasurements.imagesPerSecond(2, throughput2.residentMs().samples()),
                throughput2.imagesPerSecondResident(), 1e-9);

        ResultRow accuracy = rows.get("accuracy/opencl/0/lenet5/auto/b1");
        assertEquals(2, accuracy.accuracy().images());
        assertTrue(accuracy.accuracy().relativeL2Max() < 1e-5, accuracy.accuracy().toString());
        assertEquals(1.0, accuracy.accuracy().top1Agreement());
        assertEquals(2, accuracy.accuracy().perLayerImages());
        assertEquals(10, accuracy.accuracy().perLayer().size(), "one entry per LeNet-5 layer");
        ResultRow referenceAccuracy = rows.get("accuracy/reference/cpu/lenet5/auto/b1");
        assertEquals("reference-java", referenceAccuracy.ranOn());
        assertEquals(0.0, referenceAccuracy.accuracy().relativeL2Max(), "the reference against itself");
        assertEquals(ResultRow.OK, rows.get("layers/clblast/0/lenet5/-/b1").status());

        // ONNX Runtime ran the exported model on the same inputs; our rows carry our figure over its
        ResultRow onnxLatency = rows.get("latency/onnxruntime/cpu/lenet5/-/b1");
        assertEquals(ResultRow.OK, onnxLatency.status(), onnxLatency.reason());
        assertEquals("onnxruntime-cpu", onnxLatency.ranOn());
        ResultRow.PeerComparison vsOnnx = latency.peerComparisons().stream()
                .filter(c -> c.peer().equals("onnxruntime")).findFirst().orElseThrow();
        assertEquals(latency.endToEndMs().median() / onnxLatency.endToEndMs().median(), vsOnnx.ratio(), 1e-12);
        assertTrue(rows.get("accuracy/onnxruntime/cpu/lenet5/-/b1").accuracy().relativeL2Max() < 1e-5);
        assertEquals(ResultRow.OK, rows.get("throughput/onnxruntime/cpu/lenet5/-/b2").status(), "symbolic batch");

        // the CSV holds the same figures as the JSON, row for row
        List<SummaryCsv.Line> csv = SummaryCsv.read(Files.readAllBytes(files.csv()));
        assertEquals(json.rows().size(), csv.size());
        for (int i = 0; i < csv.size(); i++) {
            ResultRow r = json.rows().get(i);
            SummaryCsv.Line line = csv.get(i);
            assertEquals(r.id(), line.id());
            assertEquals(r.status(), line.status());
            assertEquals(r.endToEndMs() == null ? null : r.endToEndMs().median(), line.e2eMedianMs(), r.id());
            assertEquals(r.residentMs() == null ? null : r.residentMs().p90(), line.residentP90Ms(), r.id());
            assertEquals(r.imagesPerSecondResident(), line.imagesPerSecondResident(), r.id());
            assertEquals(r.accuracy() == null ? null : r.accuracy().relativeL2Mean(), line.relativeL2Mean(), r.id());
        }
    }

    @Test
    void aBackendThatFailsMidRunBecomesErrorRowsAndTheRunGoesOn() {
        BenchSettings s = new BenchSettings(true, List.of("lenet5"), null, List.of("opencl", "reference"), "test",
                List.of(DEVICE), List.of(ConvAlgorithm.AUTO), List.of(1), List.of("latency"), List.of(),
                new Sampler(0, 2, 0, 10), 1, 42, false);
        Harness harness = new Harness(s, (name, device) -> name.equals("opencl") ? new LosesItsDevice()
                : new ReferenceBackend(), Progress.silent());
        BenchResults results = harness.run(EnvironmentInfo.collect("test", 42, List.of(), true), r -> {
        });
        assertEquals(2, results.rows().size());
        ResultRow failed = results.rows().get(0);
        assertEquals(ResultRow.ERROR, failed.status());
        assertEquals("device lost in conv2d", failed.reason());
        assertNull(failed.endToEndMs());
        assertEquals(ResultRow.OK, results.rows().get(1).status(), "the reference still ran after the failure");
    }

    @Test
    void interruptingKeepsWhatWasMeasuredAndMarksTheRest() {
        BenchSettings s = new BenchSettings(true, List.of("lenet5"), null, List.of("reference"), "test",
                List.of(DEVICE), List.of(ConvAlgorithm.AUTO), List.of(1, 2), List.of("latency", "throughput"),
                List.of(), new Sampler(0, 1, 0, 10), 1, 42, false);
        Harness[] holder = new Harness[1];
        List<BenchResults> interrupted = new ArrayList<>();
        holder[0] = new Harness(s, HarnessTest::open, Progress.silent());
        BenchResults last = holder[0].run(EnvironmentInfo.collect("test", 42, List.of(), true), r -> {
            if (interrupted.isEmpty()) {
                interrupted.add(holder[0].interrupt());
            }
        });
        BenchResults atInterrupt = interrupted.get(0);
        assertEquals("interrupted", atInterrupt.status());
        assertEquals("interrupted", last.status());
        List<String> statuses = last.rows().stream().map(ResultRow::status).toList();
        assertEquals(List.of("ok", "ok", "interrupted"), statuses, "batch 1 measured, batch 2 never ran");
        assertEquals("throughput/reference/cpu/lenet5/auto/b2", last.rows().get(2).id());
    }

    @Test
    void mnistAccuracyCountsTheDigitsClassifiedAsLabelled() {
        // an untrained LeNet-5 and 20 synthetic digits (not a multiple of the batch): labels are the reference's own
        // predictions for the even digits and a different class for the odd ones, so exactly 10 are correct
        Model lenet = dev.tessera.models.ModelZoo.build("lenet5").initialise(3);
        int n = 20;
        float[] pixels = Tensor.random(9, 0, 1, n, 1, 28, 28).data();
        int[] labels = new int[n];
        ReferenceBackend reference = new ReferenceBackend();
        for (int i = 0; i < n; i++) {
            float[] one = java.util.Arrays.copyOfRange(pixels, i * 784, (i + 1) * 784);
            int predicted = BenchInputs.argmax(lenet.forward(reference, new Tensor(one, 1, 1, 28, 28)));
            labels[i] = i % 2 == 0 ? predicted : (predicted + 1) % 10;
        }
        Mnist digits = new Mnist(pixels, labels);
        BenchSettings s = new BenchSettings(true, List.of("lenet5"), null, List.of("opencl"), "test", List.of(DEVICE),
                List.of(ConvAlgorithm.IM2COL), List.of(1), List.of("accuracy", "latency"), List.of(),
                new Sampler(0, 1, 0, 10), 1,
                42, false);
        Harness harness = new Harness(s, HarnessTest::open, Progress.silent(),
                new MnistCheck.Source(() -> lenet, () -> digits));
        BenchResults results = harness.run(EnvironmentInfo.collect("test", 42, List.of(), true), r -> {
        });
        ResultRow row = results.rows().stream().filter(r -> r.scenario().equals("mnist")).findFirst().orElseThrow();
        assertEquals(ResultRow.OK, row.status(), row.reason());
        assertEquals(n, row.mnist().images());
        assertEquals(10, row.mnist().correct());
        assertEquals(0.5, row.mnist().accuracy(), 1e-12);
        assertEquals(0.5, row.mnist().referenceAccuracy(), 1e-12);
        assertTrue(row.ranOn().startsWith("opencl:"));
        // --algos reaches the plan as a compile option: every convolution of the latency row ran im2col
        ResultRow latency = results.rows().stream().filter(r -> r.scenario().equals("latency")).findFirst()
                .orElseThrow();
        assertEquals(ResultRow.OK, latency.status(), latency.reason());
        assertEquals("im2col", latency.algorithm());
        List<ResultRow.LayerEntry> convs = latency.layers().stream().filter(l -> l.operator().equals("conv2d"))
                .toList();
        assertFalse(convs.isEmpty(), "the latency row lists its layers");
        convs.forEach(l -> assertEquals("im2col", l.algorithm(), l.node()));
    }

    /** A backend whose device disappears on the first convolution. */
    private static final class LosesItsDevice implements Backend {
        @Override
        public String name() {
            return "opencl";
        }

        @Override
        public String device() {
            return "gone";
        }

        @Override
        public OpResult run(Operator op, List<Tensor> inputs) {
            throw new IllegalStateException("device lost in " + op.name());
        }

        @Override
        public void close() {
        }
    }
}
