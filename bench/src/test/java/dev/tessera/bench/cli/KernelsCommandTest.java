package dev.tessera.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.io.Npy;
import dev.tessera.backend.reference.ReferenceBackend;

/** {@code --kernels} (op, run, selftest) and {@code tessera tune}, against the reference and the store they write. */
class KernelsCommandTest {
    @TempDir
    Path dir;

    private String previousCache;

    @BeforeEach
    void ownCache() {
        previousCache = System.getProperty("tessera.cache.dir");
        System.setProperty("tessera.cache.dir", dir.resolve("cache").toString());
    }

    @AfterEach
    void restoreCache() {
        if (previousCache == null) {
            System.clearProperty("tessera.cache.dir");
        } else {
            System.setProperty("tessera.cache.dir", previousCache);
        }
    }

    @Test
    void theGpuFamilyRunsFcAtBatchTwoOnTheGemmAndSaysSo() throws Exception {
        Tensor x = Tensor.random(1, -1, 1, 3, 37);
        Tensor w = Tensor.random(2, -1, 1, 11, 37);
        Tensor b = Tensor.random(3, -1, 1, 11);
        Path xp = dir.resolve("x.npy");
        Path wp = dir.resolve("w.npy");
        Path bp = dir.resolve("b.npy");
        Npy.write(xp, x);
        Npy.write(wp, w);
        Npy.write(bp, b);
        Tensor expected = new ReferenceBackend().run(new Operator.FullyConnected(true), java.util.List.of(x, w, b))
                .output();
        for (String family : new String[] {"gpu", "cpu"}) {
            Path out = dir.resolve("y-" + family + ".npy");
            CliTest.Run run = CliTest.run("op", "fc", "--input", xp.toString(), "--weight", wp.toString(), "--bias",
                    bp.toString(), "--relu", "--kernels", family, "--out", out.toString(), "--json");
            assertEquals(0, run.code(), run.err());
            JsonNode json = Json.MAPPER.readTree(run.out());
            assertEquals(family, json.get("kernels").get("family").asText());
            // the CPU family: the packed FC on a CPU device at batch <= 4, the plain one elsewhere
            String algorithm = json.get("algorithm").asText();
            if (family.equals("gpu")) {
                assertEquals("xgemm_packed", algorithm);
            } else {
                assertTrue(algorithm.equals("fully_connected_packed") || algorithm.equals("fully_connected"), algorithm);
            }
            assertEquals(family.equals("gpu"), json.get("kernels").has("gemm"));
            Tensor actual = Npy.read(out);
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.data()[i], actual.data()[i], 1e-4 * Math.max(1, Math.abs(expected.data()[i])),
                        family + " element " + i);
            }
        }
    }

    /** selftest --kernels gpu: every check passes and the GPU family's own kernels are the ones that ran. */
    @Test
    void selftestWithTheGpuFamilyPassesOnItsOwnKernels() throws Exception {
        CliTest.Run run = CliTest.run("selftest", "--device", "0", "--kernels", "gpu", "--json");
        assertEquals(0, run.code(), run.err() + run.out());
        JsonNode report = Json.MAPPER.readTree(run.out()).get(0);
        assertEquals("gpu", report.get("kernels").get("family").asText());
        assertTrue(report.get("kernels").get("operators").has("WG"), report.get("kernels").toString());
        assertEquals(0, report.get("failed").asInt());
        java.util.Set<String> ran = new java.util.HashSet<>();
        for (JsonNode check : report.get("checks")) {
            if (check.get("status").asText().equals("PASS")) {
                ran.add(check.get("algorithm").asText());
            }
        }
        for (String kernel : new String[] {"pool_tiled", "lrn_tiled", "relu_vec", "softmax_workgroup",
            "global_avg_pool_workgroup"}) {
            assertTrue(ran.contains(kernel), kernel + " not among " + ran);
        }
    }

    @Test
    void anUnknownFamilyOrAFamilyForAnotherBackendIsOneLineAndExitOne() {
        CliTest.Run bogus = CliTest.run("run", "lenet5", "--kernels", "tpu");
        assertEquals(1, bogus.code());
        assertTrue(bogus.err().contains("unknown kernel family 'tpu'"), bogus.err());
        assertEquals(1, bogus.err().strip().lines().count(), bogus.err());
        CliTest.Run reference = CliTest.run("run", "lenet5", "--backend", "reference", "--kernels", "gpu");
        assertEquals(1, reference.code());
        assertTrue(reference.err().contains("no kernel families"), reference.err());
    }

    @Test
    void tuneVerifiesStoresAndTheGpuFamilyThenUsesWhatItStored() throws Exception {
        CliTest.Run tune = CliTest.run("tune", "--budget", "1", "--operators", "gemm", "--size", "9,20,13", "--json");
        assertEquals(0, tune.code(), tune.err());
        JsonNode report = Json.MAPPER.readTree(tune.out()).get(0);
        assertEquals(1, report.get("searches").size());
        JsonNode best = report.get("searches").get("gemm").get("best");
        assertEquals("ok", best.get("status").asText());
        assertTrue(best.get("relative_l2").asDouble() <= 1e-5);
        assertTrue(best.get("gflops").asDouble() > 0);
        Path stored = Path.of(report.get("stored").asText());
        assertTrue(Files.exists(stored));
        assertTrue(stored.startsWith(dir), stored.toString());

        Path x = dir.resolve("x.npy");
        Npy.write(x, Tensor.random(4, -1, 1, 2, 5));
        Path w = dir.resolve("w.npy");
        Npy.write(w, Tensor.random(5, -1, 1, 3, 5));
        CliTest.Run op = CliTest.run("op", "fc", "--input", x.toString(), "--weight", w.toString(), "--kernels", "gpu",
                "--out", dir.resolve("y.npy").toString(), "--json");
        assertEquals(0, op.code(), op.err());
        JsonNode kernels = Json.MAPPER.readTree(op.out()).get("kernels");
        assertTrue(kernels.get("origin").asText().startsWith("tuned: "), kernels.toString());
        assertEquals(best.get("parameters"), kernels.get("gemm"));
        // only the GEMM was tuned: every operator group still comes from the table
        kernels.get("operators_origins").forEach(o -> assertTrue(o.asText().startsWith("table: "), o.asText()));
    }

    /**
     * A short real tune of every GPU-family kernel (10 s on PoCL, the problems scaled down by 4), then op: each
     * operator group's parameters in op's --json are the ones tune stored, their origin "tuned", and the output
     * matches the reference.
     */
    @Test
    void aTenSecondTuneOfEveryKernelIsWhatOpThenRuns() throws Exception {
        CliTest.Run tune = CliTest.run("tune", "--budget", "10", "--scale", "4", "--json");
        assertEquals(0, tune.code(), tune.err() + tune.out());
        JsonNode searches = Json.MAPPER.readTree(tune.out()).get(0).get("searches");
        java.util.List<String> searched = new java.util.ArrayList<>();
        searches.fieldNames().forEachRemaining(searched::add);
        assertEquals(java.util.List.of("gemm", "conv", "pool", "lrn", "eltwise", "reduce"), searched);
        for (JsonNode search : searches) {
            assertEquals("ok", search.get("best").get("status").asText(), search.toString());
            for (JsonNode c : search.get("candidates")) {
                String status = c.get("status").asText();
                assertTrue(status.equals("ok") || status.startsWith("refused: ") || status.startsWith("skipped: "),
                        status);
            }
        }
        Tensor input = Tensor.random(6, -1, 1, 1, 5, 9, 7);
        Path x = dir.resolve("relu-x.npy");
        Npy.write(x, input);
        Path y = dir.resolve("relu-y.npy");
        CliTest.Run op = CliTest.run("op", "relu", "--input", x.toString(), "--kernels", "gpu", "--out", y.toString(),
                "--json");
        assertEquals(0, op.code(), op.err());
        JsonNode kernels = Json.MAPPER.readTree(op.out()).get("kernels");
        assertEquals(searches.get("gemm").get("best").get("parameters"), kernels.get("gemm"));
        for (String group : new String[] {"conv", "pool", "lrn", "eltwise", "reduce"}) {
            assertTrue(kernels.get("operators_origins").get(group).asText().startsWith("tuned: tune "),
                    kernels.toString());
            searches.get(group).get("best").get("parameters").fields().forEachRemaining(e ->
                    assertEquals(e.getValue(), kernels.get("operators").get(e.getKey()), group + " " + e.getKey()));
        }
        Tensor expected = new ReferenceBackend().run(new Operator.Relu(), java.util.List.of(input)).output();
        Tensor actual = Npy.read(y);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.data()[i], actual.data()[i], "element " + i);
        }
        // bench's rows say which parameters ran and that they were tuned
        Path results = dir.resolve("bench.json");
        CliTest.Run bench = CliTest.run("bench", "--devices", "0", "--backends", "opencl", "--models", "lenet5",
                "--batch", "1", "--scenarios", "latency", "--min-samples", "1", "--min-time", "0", "--warmup", "0",
                "--peers", "none", "--no-probe", "--kernels", "gpu", "--no-progress", "--no-report", "--out",
                results.toString());
        assertEquals(0, bench.code(), bench.err());
        JsonNode row = Json.MAPPER.readTree(results.toFile()).get("rows").get(0);
        String notes = row.get("notes").toString();
        assertTrue(notes.contains("kernel parameters: VW=" + kernels.get("operators").get("VECTOR_WIDTH").asText()
                + " EG=" + kernels.get("operators").get("ELEMENT_GROUP").asText()), notes);
        assertTrue(notes.contains("tuned: conv, pool, lrn, eltwise, reduce"), notes);
    }

    @Test
    void tuneRefusesTheCpuFamilyAndABadBudget() {
        CliTest.Run cpu = CliTest.run("tune", "--kernels", "cpu");
        assertEquals(1, cpu.code());
        assertTrue(cpu.err().contains("no tunable parameters"), cpu.err());
        CliTest.Run budget = CliTest.run("tune", "--budget", "0");
        assertEquals(1, budget.code());
        assertFalse(budget.err().isBlank());
        CliTest.Run operators = CliTest.run("tune", "--operators", "gemm,softmax");
        assertEquals(1, operators.code());
        assertTrue(operators.err().contains("--operators: unknown 'softmax'; choose from gemm, conv, pool, lrn, "
                + "eltwise, reduce"), operators.err());
        assertEquals(1, operators.err().strip().lines().count(), operators.err());
    }
}
