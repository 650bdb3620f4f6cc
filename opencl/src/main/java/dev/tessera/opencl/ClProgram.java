package dev.tessera.opencl;

import static org.jocl.CL.*;

import org.jocl.cl_kernel;
import org.jocl.cl_program;

/** A program built for one device. Create kernels from it with {@link #kernel(String)}. */
public final class ClProgram implements AutoCloseable {
    /** Where the program binary came from. */
    public enum Origin {
        /** compiled from source; the cache had no entry */
        COMPILED,
        /** loaded from a valid cache entry, no compiler run */
        CACHE_HIT,
        /** the cache entry was corrupt, foreign or refused by the driver; compiled from source and stored anew */
        REBUILT_BAD_CACHE
    }

    private final ClContext context;
    private final String name;
    private final Origin origin;
    private final long buildNanos;
    private final String buildLog;
    private cl_program program;

    ClProgram(ClContext context, String name, cl_program program, Origin origin, long buildNanos, String buildLog) {
        this.context = context;
        this.name = name;
        this.program = program;
        this.origin = origin;
        this.buildNanos = buildNanos;
        this.buildLog = buildLog;
        LiveResources.programOpened();
    }

    public String name() {
        return name;
    }

    public Origin origin() {
        return origin;
    }

    /** Wall time the build (or cache load) took. */
    public long buildNanos() {
        return buildNanos;
    }

    /** The compiler's log (warnings), possibly empty. */
    public String buildLog() {
        return buildLog;
    }

    public ClKernel kernel(String kernelName) {
        if (program == null) {
            throw new IllegalStateException("program " + name + " is closed");
        }
        int[] err = new int[1];
        if (FaultInjection.active()) {
            FaultInjection.check(FaultInjection.Point.KERNEL, "clCreateKernel " + kernelName + " in " + name,
                    context.device().name());
        }
        cl_kernel kernel = clCreateKernel(program, kernelName, err);
        context.checkOnDevice(err[0], "clCreateKernel " + kernelName + " in " + name);
        return new ClKernel(context, kernelName, kernel);
    }

    @Override
    public void close() {
        if (program != null) {
            clReleaseProgram(program);
            program = null;
            LiveResources.programClosed();
        }
    }
}
