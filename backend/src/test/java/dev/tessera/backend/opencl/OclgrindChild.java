package dev.tessera.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
     * The checks every Oclgrind runs: API misuse and data races (between work-items and between work-groups);
     * out-of-bounds accesses, unaligned accesses and barrier divergence are always on. Besides, every device buffer
     * starts as NaN ({@link ClContext#POISON_PROPERTY}, passed on to the child JVM), so a kernel reading global memory
     * nothing wrote spreads NaN into a result the suite compares with the reference.
     */
    public static final Map<String, String> OCLGRIND_ENVIRONMENT = Map.of(
            "OCLGRIND_CHECK_API", "1",
            "OCLGRIND_DATA_RACES", "1");
    /**
     * The uninitialised-memory plugin, added to {@link #OCLGRIND_ENVIRONMENT} where the installed Oclgrind is
     * {@link #UNINITIALIZED_SINCE} or newer: it tracks which bytes of private, local and global memory were written
     * and reports reads of the rest that decide control flow, addresses or stores. Oclgrind 21.10 (Debian 12's) built
     * with LLVM 13+ aborts the kernel at LLVM's {@code freeze} instruction ("Unsupported instruction: freeze") and
     * flags initialised accumulators passed to {@code fma}, so it reports only itself; 26.03.1 (built by
     * scripts/setup-opencl --oclgrind-tarball) runs it.
     */
    public static final Map<String, String> UNINITIALIZED_ENVIRONMENT = Map.of("OCLGRIND_UNINITIALIZED", "1");
    /** The first Oclgrind release (year, month) whose uninitialised-memory plugin runs on our kernels. */
    static final int[] UNINITIALIZED_SINCE = {26, 3};
    private static final Pattern VERSION = Pattern.compile("Oclgrind (\\d+)\\.(\\d+)");
    private static final long TIMEOUT_MINUTES = 10;

    /** What a child JVM printed, its exit code, and what Oclgrind wrote to its log. */
    public record Result(int exitCode, String output, String log) {
    }

    private OclgrindChild() {
    }

    /** Fails, saying how to install it, when the Oclgrind platform is missing; else returns its device. */
    public static ClDevice requireOclgrind() {
        List<ClDevice> simulators = OpenClDevices.all().stream()
                .filter(d -> d.name().toLowerCase(Locale.ROOT).contains("oclgrind")).toList();
        if (simulators.isEmpty()) {
            fail("the Oclgrind OpenCL platform is not installed; run scripts/setup-opencl --with-oclgrind (as root or"
                    + " with passwordless sudo; scripts/test does), which installs the oclgrind package and registers it"
                    + " in /etc/OpenCL/vendors");
        }
        return simulators.get(0);
    }

    /**
     * Whether the installed Oclgrind runs the uninitialised-memory plugin, from its driver version ("Oclgrind 21.10",
     * "Oclgrind 26.03.1").
     */
    public static boolean uninitializedChecksSupported() {
        return uninitializedChecksSupported(requireOclgrind().info().driverVersion());
    }

    static boolean uninitializedChecksSupported(String driverVersion) {
        Matcher m = VERSION.matcher(driverVersion);
        if (!m.find()) {
            return false;
        }
        int year = Integer.parseInt(m.group(1));
        int month = Integer.parseInt(m.group(2));
        return year > UNINITIALIZED_SINCE[0] || (year == UNINITIALIZED_SINCE[0] && month >= UNINITIALIZED_SINCE[1]);
    }

    /** One line saying whether the uninitialised-memory checks run, and why not when they do not. */
    public static String uninitializedChecksLine() {
        String version = requireOclgrind().info().driverVersion();
        return uninitializedChecksSupported(version)
                ? version + ": uninitialised-memory checks on (OCLGRIND_UNINITIALIZED=1)"
                : version + ": uninitialised-memory checks skipped: they need Oclgrind " + UNINITIALIZED_SINCE[0] + "."
                        + String.format(Locale.ROOT, "%02d", UNINITIALIZED_SINCE[1]) + " or newer (Debian's 21.10"
                        + " aborts at LLVM's freeze instruction); scripts/setup-opencl --oclgrind-tarball"
                        + " ../shared/vendor/oclgrind-26.03.1.tar.gz builds one (scripts/test does when the tarball is"
                        + " there)";
    }

    /** The Oclgrind settings of a suite's child JVM: {@link #OCLGRIND_ENVIRONMENT}, plus uninitialised-memory checks
     * where the installed Oclgrind runs them. */
    public static Map<String, String> environment() {
        Map<String, String> environment = new LinkedHashMap<>(OCLGRIND_ENVIRONMENT);
        if (uninitializedChecksSupported()) {
            environment.putAll(UNINITIALIZED_ENVIRONMENT);
        }
        return environment;
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

    /**
     * Runs the uninitialised-memory canaries ({@link OclgrindSuite#UNINITIALIZED_CANARY}): Oclgrind must report the
     * kernel storing private values nothing wrote, or the suites' uninitialised-memory checks check nothing; and must
     * not report the kernels reading buffers written in full by a kernel after a buffer was released, or by a fill,
     * which an Oclgrind without scripts/oclgrind's fix does (it would then bury the suites in false reports). Only
     * where {@link #uninitializedChecksSupported()}.
     */
    public static void assertUninitializedChecksAreOn() throws IOException, InterruptedException {
        Result canary = run(OclgrindSuite.class, "--canary-uninitialized");
        assertEquals(0, canary.exitCode(), "the Oclgrind canary run failed:\n" + canary.output());
        assertTrue(canary.log().contains("Uninitialized value written to global memory")
                && canary.log().contains("Kernel: canary_uninitialized"), "Oclgrind did not report the canary"
                + " kernel's store of an uninitialised value; is OCLGRIND_UNINITIALIZED on? Log:\n"
                + head(canary.log()) + "\noutput:\n" + canary.output());
        assertFalse(canary.log().contains("Kernel: canary_read_all") || canary.log().contains("Kernel: canary_write_all"),
                "Oclgrind reported reads of buffers that were written in full (after a buffer was released, or by a"
                + " fill): this Oclgrind lacks the fix in scripts/oclgrind/ (build it with scripts/setup-opencl"
                + " --oclgrind-tarball FILE). Log:\n" + head(canary.log()));
    }

    /**
     * Whether the child fills every new buffer with NaN ({@link ClContext#POISON_PROPERTY}, as this JVM does): not
     * where Oclgrind's uninitialised-memory plugin runs. The plugin then tracks every byte of global memory itself, and
     * the NaN fill, a host store, would mark every buffer initialised and hide the reads it exists to report.
     */
    static boolean poisonBuffers() {
        return Boolean.getBoolean(ClContext.POISON_PROPERTY) && !uninitializedChecksSupported();
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
        command.add("-D" + ClContext.POISON_PROPERTY + "=" + poisonBuffers());
        command.add(main.getName());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().putAll(environment());
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
        System.out.println(suite.getSimpleName() + ": " + uninitializedChecksLine());
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
