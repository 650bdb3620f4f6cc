package dev.tessera.aparapi;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

import java.util.logging.Level;
import java.util.logging.Logger;

import com.aparapi.Config;
import com.aparapi.Kernel;
import com.aparapi.ProfileReport;
import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.internal.kernel.KernelManager;
import com.aparapi.internal.kernel.ProfilingEvent;

/**
 * Executes Aparapi kernels on one OpenCL device and finds out, after every execution, where each really ran: Aparapi
 * quietly runs a kernel it cannot translate or build in a Java thread pool instead.
 *
 * <p>When the thread pool is forbidden, every range names the device, so Aparapi has nothing to fall back to: a
 * translation failure is reported before anything runs (with Aparapi's reason), and any other failure on the device
 * is an {@link IllegalStateException}. When it is allowed, ranges name no device and the kernel class prefers ours;
 * the result says which kernels fell back and why.
 */
final class KernelLauncher {
    /** Work-items per work-group for the 1-D kernels. */
    static final int LOCAL_1D = 64;

    static {
        // Aparapi logs each fallback with a stack trace; this class reports fallbacks itself. -Dcom.aparapi.logLevel
        // (Aparapi's own switch, e.g. WARNING) brings its log back.
        if (System.getProperty("com.aparapi.logLevel") == null) {
            Logger.getLogger(Config.getLoggerName()).setLevel(Level.OFF);
        }
    }

    private final OpenCLDevice device;
    private final boolean allowThreadPool;
    private final KernelSources sources;
    private final List<String> fallbacks = new ArrayList<>();
    private double nativeMs;
    private boolean timed = true;

    KernelLauncher(OpenCLDevice device, boolean allowThreadPool, KernelSources sources) {
        this.device = device;
        this.allowThreadPool = allowThreadPool;
        this.sources = sources;
    }

    OpenCLDevice device() {
        return device;
    }

    /** A 1-D range over {@code items}, rounded up to whole work-groups of {@link #LOCAL_1D}. */
    Range range1d(int items) {
        return range1d(roundUp(items, LOCAL_1D), LOCAL_1D);
    }

    Range range1d(int global, int local) {
        return allowThreadPool ? Range.create(global, local) : Range.create(device, global, local);
    }

    Range range2d(int global0, int global1, int local0, int local1) {
        return allowThreadPool ? Range.create2D(global0, global1, local0, local1)
                : Range.create2D(device, global0, global1, local0, local1);
    }

    static int roundUp(int n, int multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }

    /** Forgets the fallbacks and times of earlier executions. */
    void reset() {
        fallbacks.clear();
        nativeMs = 0;
        timed = true;
    }

    /** Executes {@code kernel} over {@code range} and records where it ran and how long Aparapi's native run took. */
    void execute(Kernel kernel, Range range) {
        String name = kernel.getClass().getSimpleName();
        KernelSources.Translation translation = sources.translate(kernel);
        if (!allowThreadPool && !translation.translated()) {
            throw new IllegalStateException("aparapi: " + name + " cannot be translated to OpenCL ("
                    + translation.failure() + ") and the Java thread-pool fallback is forbidden");
        }
        KernelManager.instance().setPreferredDevices(kernel, new LinkedHashSet<>(List.of(device)));
        try {
            kernel.execute(range);
        } catch (AssertionError deviceRefused) {
            // with a device in the range Aparapi has nowhere to fall back to and says so with an AssertionError
            throw new IllegalStateException("aparapi: " + name + " failed on " + device.getName()
                    + " and the Java thread-pool fallback is forbidden (-Dcom.aparapi.logLevel=WARNING shows Aparapi's "
                    + "reason)");
        }
        if (ranOnDevice(kernel)) {
            WeakReference<ProfileReport> report = kernel.getProfileReportLastThread(device);
            ProfileReport r = report == null ? null : report.get();
            if (r == null) {
                timed = false;
            } else {
                nativeMs += r.getElapsedTime(ProfilingEvent.PREPARE_EXECUTE.ordinal(),
                        ProfilingEvent.EXECUTED.ordinal());
            }
        } else {
            timed = false;
            fallbacks.add(name + (translation.translated() ? " (Aparapi could not run it on " + device.getName()
                    + "; -Dcom.aparapi.logLevel=WARNING shows why)" : " (" + translation.failure() + ")"));
            if (!allowThreadPool) {
                throw new IllegalStateException("aparapi: " + name + " ran in the Java thread pool although the "
                        + "fallback is forbidden");
            }
        }
    }

    private boolean ranOnDevice(Kernel kernel) {
        return kernel.isRunningCL() && device.equals(kernel.getTargetDevice());
    }

    /** The kernels that ran in the Java thread pool since the last {@link #reset}, each with the reason. */
    List<String> fallbacks() {
        return List.copyOf(fallbacks);
    }

    /** Aparapi's time for the native executions since {@link #reset} (transfers included); NaN if one was not timed. */
    double nativeMs() {
        return timed ? nativeMs : Double.NaN;
    }
}
