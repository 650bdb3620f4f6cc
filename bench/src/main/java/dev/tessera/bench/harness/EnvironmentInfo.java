package dev.tessera.bench.harness;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.DeviceInfo;
import dev.tessera.opencl.NoOpenClPlatformException;
import dev.tessera.opencl.OpenClDevices;
import dev.tessera.opencl.PeakProbe;
import dev.tessera.reports.results.Environment;

/** Collects the {@link Environment} of a run: host, OS, CPU, JVM, git commit, OpenCL devices and their peaks. */
public final class EnvironmentInfo {
    private EnvironmentInfo() {
    }

    /**
     * @param probeDevices devices to run the peak probe on (empty: none)
     * @param quickProbe   the probe's small sweep instead of the standard one
     */
    public static Environment collect(String commandLine, long seed, List<ClDevice> probeDevices, boolean quickProbe) {
        List<Environment.DeviceEntry> devices = new ArrayList<>();
        try {
            for (ClDevice d : OpenClDevices.all()) {
                DeviceInfo i = d.info();
                devices.add(new Environment.DeviceEntry(i.index(), i.platform(), i.platformVersion(), i.name(),
                        i.vendor(), i.type(), i.driverVersion(), i.deviceVersion(), i.computeUnits(), i.clockMhz(),
                        i.globalMemBytes(), i.localMemBytes(), i.fp16(), i.fp64(),
                        OpenClDevices.isSimulator(i.platform())));
            }
        } catch (NoOpenClPlatformException e) {
            // no platform: the list stays empty, and the OpenCL rows say why
        }
        List<Environment.ProbeEntry> probes = new ArrayList<>();
        for (ClDevice d : probeDevices) {
            probes.add(probe(d, quickProbe));
        }
        Runtime rt = Runtime.getRuntime();
        String version = EnvironmentInfo.class.getPackage().getImplementationVersion();
        return new Environment(hostName(), System.getProperty("os.name") + " " + System.getProperty("os.version"),
                System.getProperty("os.arch"), cpuModel(), rt.availableProcessors(), memoryBytes(),
                System.getProperty("java.vm.name") + ", " + System.getProperty("java.vendor") + " "
                        + System.getProperty("java.runtime.version"),
                rt.maxMemory(), version == null ? "development build" : version, gitCommit(), commandLine, seed,
                devices, probes);
    }

    static Environment.ProbeEntry probe(ClDevice d, boolean quick) {
        String sweep = quick ? "quick" : "standard";
        try (ClContext context = ClContext.open(d)) {
            PeakProbe.Result r = (quick ? PeakProbe.quick() : PeakProbe.standard()).run(context);
            return new Environment.ProbeEntry(d.index(), d.name(), sweep, "ok", "", r.peakGflopsFp32(),
                    r.bandwidthGbs());
        } catch (RuntimeException e) {
            return new Environment.ProbeEntry(d.index(), d.name(), sweep, "error", Failures.reason(e), null, null);
        }
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            String env = System.getenv("HOSTNAME");
            return env == null ? "unknown" : env;
        }
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable
        }
        return "unknown";
    }

    static long memoryBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 0;
    }

    /**
     * The commit of the git checkout the jar was built in (found from the jar's location, else the working
     * directory), with "-dirty" when the tree has uncommitted changes; null without git or a checkout, or when git
     * answers with anything but a commit hash.
     */
    static String gitCommit() {
        Path dir = Path.of("").toAbsolutePath();
        try {
            var source = EnvironmentInfo.class.getProtectionDomain().getCodeSource();
            if (source != null) {
                dir = Path.of(source.getLocation().toURI()).getParent();
            }
        } catch (Exception e) {
            // keep the working directory
        }
        String head = commitHash(git(dir, "rev-parse", "HEAD"));
        if (head == null) {
            return null;
        }
        String status = git(dir, "status", "--porcelain", "--untracked-files=no");
        return head + (status != null && !status.isBlank() ? "-dirty" : "");
    }

    /** The hash {@code git rev-parse HEAD} printed (SHA-1 or SHA-256, hex), or null for anything else. */
    static String commitHash(String output) {
        if (output == null) {
            return null;
        }
        String hash = output.strip();
        return hash.matches("[0-9a-f]{40}|[0-9a-f]{64}") ? hash : null;
    }

    /**
     * The git child process: its stderr discarded, and without the JVM's LD_PRELOAD (./tessera preloads libjsig, whose
     * warnings would otherwise end up in the answer) or anything else the JVM's own launch put in the environment.
     */
    static ProcessBuilder gitProcess(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().remove("LD_PRELOAD");
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        return builder;
    }

    private static String git(Path dir, String... args) {
        try {
            Process p = gitProcess(dir, args).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroy();
                return null;
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
