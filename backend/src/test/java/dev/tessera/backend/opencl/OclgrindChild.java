package dev.tessera.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.OpenClDevices;
import dev.tessera.opencl.ProgramCache;

/**
 * Runs a main class in a child JVM on the Oclgrind simulator with its checks on, and collects what it printed and what
 * Oclgrind logged: Oclgrind reads its settings from the environment when its runtime loads, so a suite under Oclgrind
 * needs a process of its own. Shared by the Oclgrind suites of the hand-written kernels and of the Aparapi backend
 * (through this module's test jar).
 */
public final class OclgrindChild {
    /**
     * The checks: API misuse and data races (between work-items and between work-groups); out-of-bounds accesses,
     * unaligned accesses and barrier divergence are always on. Not OCLGRIND_UNINITIALIZED: in Oclgrind 21.10 as
     * Debian builds it (LLVM 13+) that plugin aborts the kernel at LLVM's {@code freeze} instruction ("Unsupported
     * instruction: freeze") and flags initialised accumulators passed to {@code fma}, so it reports only itself.
     * In its place every device buffer starts as NaN ({@link ClContext#POISON_PROPERTY}, passed on to the child JVM),
     * so a kernel reading global memory nothing wrote spreads NaN into a result the suite compares with the
     * reference.
     */
    public static final Map<String, String> OCLGRIND_ENVIRONMENT = Map.of(
            "OCLGRIND_CHECK_API", "1",
            "OCLGRIND_DATA_RACES", "1");
    private static final long TIMEOUT_MINUTES = 10;

    /** What a child JVM printed, its exit code, and what Oclgrind wrote to its log. */
    public record Result(int exitCode, String output, String log) {
    }

    private OclgrindChild() {
    }

    /** Fails, saying how to install it, when the Oclgrind platform is missing. */
    public static void requireOclgrind() {
        List<ClDevice> simulators = OpenClDevices.all().stream()
                .filter(d -> d.name().toLowerCase(Locale.ROOT).contains("oclgrind")).toList();
        if (simulators.isEmpty()) {
            fail("the Oclgrind OpenCL platform is not installed; run scripts/setup-opencl --with-oclgrind (as root or"
                    + " with passwordless sudo; scripts/test does), which installs the oclgrind package and registers it"
                    + " in /etc/OpenCL/vendors");
        }
    }

    /** Runs the canary kernels: Oclgrind must report their out-of-bounds write and their race, or it checks nothing. */
    public static void assertChecksAreOn() throws IOException, InterruptedException {
        Result canary = run(OclgrindSuite.class, "--canary");
        assertEquals(0, canary.exitCode(), "the Oclgrind canary run failed:\n" + canary.output());
        String lower = canary.log().toLowerCase(Locale.ROOT);
        assertTrue(lower.contains("invalid write") && lower.contains("data race"), "Oclgrind did not report the"
                + " canary kernels' out-of-bounds write and data race; are its checks on? Log:\n" + head(canary.log())
                + "\noutput:\n" + canary.output());
    }

    /** Runs {@code main} with {@code args} in a child JVM with this JVM's class path and the Oclgrind settings. */
    public static Result run(Class<?> main, String... args) throws IOException, InterruptedException {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        Path target = ProgramCache.defaultRoot().getParent();
        if (target != null && Files.isDirectory(target)) {
            dir = target;
        }
        Path log = Files.createTempFile(dir, "oclgrind-", ".log");
        Path output = Files.createTempFile(dir, "oclgrind-suite-", ".out");

        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("-Dtessera.cache.dir=" + ProgramCache.defaultRoot());
        command.add("-D" + ClContext.POISON_PROPERTY + "=" + Boolean.getBoolean(ClContext.POISON_PROPERTY));
        command.add(main.getName());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().putAll(OCLGRIND_ENVIRONMENT);
        builder.environment().put("OCLGRIND_LOG", log.toString());

        Process child = builder.start();
        try {
            if (!child.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                child.destroyForcibly().waitFor();
                fail("the Oclgrind suite ran longer than " + TIMEOUT_MINUTES + " minutes; output:\n"
                        + tail(Files.readString(output, StandardCharsets.UTF_8)));
            }
            return new Result(child.exitValue(), Files.readString(output, StandardCharsets.UTF_8),
                    Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
            Files.deleteIfExists(output);
        }
    }

    /**
     * The whole check: Oclgrind installed, its checks on (the canaries), then {@code suite} run in a child JVM, printed,
     * and required to pass with nothing in Oclgrind's log.
     */
    public static void assertSuiteRunsClean(Class<?> suite) throws IOException, InterruptedException {
        requireOclgrind();
        assertChecksAreOn();
        long start = System.nanoTime();
        Result result = run(suite);
        System.out.printf(Locale.ROOT, "%s: %.1f s, exit %d%n%s", suite.getSimpleName(),
                (System.nanoTime() - start) / 1e9, result.exitCode(), result.output());
        assertClean(result);
    }

    /** Fails unless the suite printed ALL PASSED, exited 0 and Oclgrind logged nothing. */
    public static void assertClean(Result suite) {
        assertTrue(suite.log().isBlank(), "Oclgrind reported problems:\n" + head(suite.log())
                + "\nsuite output:\n" + tail(suite.output()));
        assertEquals(0, suite.exitCode(), "the Oclgrind suite failed:\n" + tail(suite.output()));
        assertTrue(suite.output().contains("ALL PASSED"), suite.output());
    }

    public static String head(String text) {
        return text.length() <= 20_000 ? text : text.substring(0, 20_000) + "\n...";
    }

    public static String tail(String text) {
        return text.length() <= 20_000 ? text : "...\n" + text.substring(text.length() - 20_000);
    }
}
