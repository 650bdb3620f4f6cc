package dev.tessera.opencl;

import static org.jocl.CL.*;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OpenCL context on one device with one in-order command queue that has profiling on. Owns everything created through
 * it only in the sense that it must outlive them: close buffers, programs and kernels first, then the context.
 *
 * <p>Not thread-safe: use one context per thread, or guard it.
 */
public final class ClContext implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClContext.class);

    private final ClDevice device;
    private final ProgramCache cache;
    private final AtomicLong buildNanos = new AtomicLong();

    /** The system property that makes {@link #buffer(long)} fill new buffers with NaN (for tests). */
    public static final String POISON_PROPERTY = "tessera.debug.poison-buffers";
    private static final boolean POISON_NEW_BUFFERS = Boolean.getBoolean(POISON_PROPERTY);
    private cl_context context;
    private cl_command_queue queue;
    private QueuedLaunches queued;

    private ClContext(ClDevice device, ProgramCache cache) {
        this.device = device;
        this.cache = cache;
        int[] err = new int[1];
        cl_context_properties properties = new cl_context_properties();
        properties.addProperty(CL_CONTEXT_PLATFORM, device.platformId());
        context = clCreateContext(properties, 1, new cl_device_id[] {device.id()}, null, null, err);
        checkOnDevice(err[0], "clCreateContext");
        queue = createQueue(err);
        if (err[0] != CL_SUCCESS) {
            clReleaseContext(context);
            checkOnDevice(err[0], "clCreateCommandQueue");
        }
        LiveResources.contextOpened();
    }

    @SuppressWarnings("deprecation")
    private cl_command_queue createQueue(int[] err) {
        // clCreateCommandQueue is the OpenCL 1.2 call; every 2.x/3.x platform still provides it.
        return clCreateCommandQueue(context, device.id(), CL_QUEUE_PROFILING_ENABLE, err);
    }

    /** Opens a context on {@code device} with the default program cache. */
    public static ClContext open(ClDevice device) {
        return new ClContext(device, ProgramCache.defaultCache());
    }

    public static ClContext open(ClDevice device, ProgramCache cache) {
        return new ClContext(device, cache);
    }

    public ClDevice device() {
        return device;
    }

    public DeviceInfo info() {
        return device.info();
    }

    public ProgramCache programCache() {
        return cache;
    }

    /**
     * A device buffer of {@code bytes} bytes, uninitialised: kernels must write before they read. With the system
     * property {@value #POISON_PROPERTY}{@code =true} (the tests set it) every new buffer is filled with NaN first, so
     * a kernel that reads memory nothing wrote spreads NaN into its result, which the tests' comparison against the
     * reference catches on any device (Oclgrind's own uninitialised-memory plugin is unusable, see the README).
     */
    public ClBuffer buffer(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("buffer size must be positive: " + bytes);
        }
        if (bytes > info().maxAllocBytes()) { // refused here, with the figures, rather than by the driver later
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "a device buffer of %.1f MiB is "
                    + "larger than %s can allocate at once (CL_DEVICE_MAX_MEM_ALLOC_SIZE %.1f MiB, global memory "
                    + "%.1f MiB); use a smaller batch or input", bytes / 1048576.0, info().name(),
                    info().maxAllocBytes() / 1048576.0, info().globalMemBytes() / 1048576.0));
        }
        int[] err = new int[1];
        if (FaultInjection.active()) {
            FaultInjection.check(FaultInjection.Point.BUFFER, "clCreateBuffer of " + bytes + " bytes", device.name());
        }
        cl_mem mem = clCreateBuffer(live(), CL_MEM_READ_WRITE, bytes, null, err);
        checkOnDevice(err[0], "clCreateBuffer of " + bytes + " bytes");
        ClBuffer buffer = new ClBuffer(this, mem, bytes);
        if (POISON_NEW_BUFFERS && bytes % Sizeof.cl_float == 0) {
            try {
                buffer.fill(Float.NaN);
            } catch (RuntimeException e) {
                buffer.close();
                throw e;
            }
        }
        return buffer;
    }

    /** A device buffer holding a copy of {@code data}. */
    public ClBuffer buffer(float[] data) {
        ClBuffer buffer = buffer((long) data.length * Sizeof.cl_float);
        try {
            buffer.write(data);
        } catch (RuntimeException e) {
            buffer.close();
            throw e;
        }
        return buffer;
    }

    /**
     * Builds a program for this device, from the on-disk binary cache when it holds a valid entry, otherwise from source
     * (and stores the binary for next time).
     *
     * @throws OpenClException carrying the status name and the whole build log when compilation fails
     */
    public ClProgram build(ProgramSource source, String options) {
        long start = System.nanoTime();
        try {
            return buildOrLoad(source, options);
        } finally {
            buildNanos.addAndGet(System.nanoTime() - start);
        }
    }

    /**
     * Host nanoseconds spent in {@link #build} on this context so far (compiling, or loading from the binary cache);
     * callers take differences to separate build time from other set-up work.
     */
    public long buildNanos() {
        return buildNanos.get();
    }

    /** The option that lets the compiler flush single-precision denormals to zero. */
    public static final String DENORMS_ARE_ZERO = "-cl-denorms-are-zero";

    /**
     * The options {@link #build} hands the driver (and keys the binary cache with) for the caller's {@code options} on
     * {@code device}: {@value #DENORMS_ARE_ZERO} appended where the device supports single-precision denormals.
     */
    public static String buildOptions(ClDevice device, String options) {
        String opts = options == null ? "" : options.strip();
        if (device.supportsSingleDenormals() && !opts.contains(DENORMS_ARE_ZERO)) {
            opts = (opts.isEmpty() ? "" : opts + " ") + DENORMS_ARE_ZERO;
        }
        return opts;
    }

    private ClProgram buildOrLoad(ProgramSource source, String options) {
        String opts = buildOptions(device, options);
        if (FaultInjection.active()) {
            FaultInjection.check(FaultInjection.Point.BUILD, "building " + source.name()
                    + (opts.isEmpty() ? "" : " with '" + opts + "'"), device.name());
        }
        String key = ProgramCache.key(info(), source, opts);
        long start = System.nanoTime();
        ProgramCache.Lookup lookup = cache.load(key);
        ClProgram.Origin origin = lookup.kind() == ProgramCache.Lookup.Kind.BAD
                ? ClProgram.Origin.REBUILT_BAD_CACHE : ClProgram.Origin.COMPILED;
        if (lookup.kind() == ProgramCache.Lookup.Kind.HIT) {
            cl_program program = fromBinary(lookup.binary(), opts);
            if (program != null) {
                return new ClProgram(this, source.name(), program, ClProgram.Origin.CACHE_HIT, System.nanoTime() - start,
                        buildLog(program));
            }
            LOG.warn("cached binary for {} was refused by the driver; rebuilding from source", source.name());
            cache.remove(key);
            origin = ClProgram.Origin.REBUILT_BAD_CACHE;
        }
        cl_program program = fromSource(source, opts);
        cache.store(key, binary(program));
        long nanos = System.nanoTime() - start;
        LOG.debug("built {} for {} from source in {} ms", source.name(), device.name(), nanos / 1e6);
        return new ClProgram(this, source.name(), program, origin, nanos, buildLog(program));
    }

    private cl_program fromSource(ProgramSource source, String options) {
        int[] err = new int[1];
        cl_program program = clCreateProgramWithSource(live(), 1, new String[] {source.text()}, null, err);
        checkOnDevice(err[0], "clCreateProgramWithSource for " + source.name());
        int status = clBuildProgram(program, 1, new cl_device_id[] {device.id()}, options, null, null);
        if (status != CL_SUCCESS) {
            String log = buildLog(program);
            clReleaseProgram(program);
            throw new OpenClException("building " + source.name() + (options.isEmpty() ? "" : " with '" + options + "'")
                    + " failed", status, device.name(), log);
        }
        return program;
    }

    /** A program from a cached binary, or null when the driver refuses it (it is then rebuilt from source). */
    private cl_program fromBinary(byte[] binary, String options) {
        int[] err = new int[1];
        int[] binaryStatus = new int[1];
        cl_program program = clCreateProgramWithBinary(live(), 1, new cl_device_id[] {device.id()},
                new long[] {binary.length}, new byte[][] {binary}, binaryStatus, err);
        if (err[0] != CL_SUCCESS || binaryStatus[0] != CL_SUCCESS) {
            if (program != null && err[0] == CL_SUCCESS) {
                clReleaseProgram(program);
            }
            return null;
        }
        if (clBuildProgram(program, 1, new cl_device_id[] {device.id()}, options, null, null) != CL_SUCCESS) {
            clReleaseProgram(program);
            return null;
        }
        return program;
    }

    private byte[] binary(cl_program program) {
        long[] size = new long[1];
        if (clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(size), null) != CL_SUCCESS
                || size[0] <= 0) {
            return null;
        }
        byte[] binary = new byte[(int) size[0]];
        Pointer pointers = Pointer.to(new Pointer[] {Pointer.to(binary)});
        if (clGetProgramInfo(program, CL_PROGRAM_BINARIES, Sizeof.POINTER, pointers, null) != CL_SUCCESS) {
            return null;
        }
        return binary;
    }

    private String buildLog(cl_program program) {
        long[] size = new long[1];
        if (clGetProgramBuildInfo(program, device.id(), CL_PROGRAM_BUILD_LOG, 0, null, size) != CL_SUCCESS
                || size[0] <= 1) {
            return "";
        }
        byte[] log = new byte[(int) size[0]];
        if (clGetProgramBuildInfo(program, device.id(), CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null)
                != CL_SUCCESS) {
            return "";
        }
        return new String(log, 0, Math.max(0, log.length - 1), StandardCharsets.UTF_8).strip();
    }

    /**
     * Opens a stretch in which kernel launches queue without waiting ({@link QueuedLaunches}); close it or call its
     * {@code finish}. Not for nesting: one stretch at a time.
     *
     * @throws IllegalStateException when one is open already
     */
    public QueuedLaunches queueLaunches() {
        return queueLaunches(true);
    }

    /**
     * {@link #queueLaunches()}, with {@code profiled} false launching without events: no profiling stamps, nothing to
     * release, for timed runs whose per-kernel times are not wanted.
     */
    public QueuedLaunches queueLaunches(boolean profiled) {
        if (queued != null) {
            throw new IllegalStateException("launches are being queued already on " + device.name());
        }
        queued = new QueuedLaunches(this, profiled);
        return queued;
    }

    /** The open stretch of queued launches, or null when launches block. */
    QueuedLaunches queuedLaunches() {
        return queued;
    }

    void stopQueueing(QueuedLaunches launches) {
        if (queued == launches) {
            queued = null;
        }
    }

    /** Blocks until every command queued so far has finished. */
    public void finish() {
        checkOnDevice(clFinish(queue()), "clFinish");
    }

    /**
     * The JOCL queue handle, for handing this context's queue to another JOCL-based library (e.g. CLBlast as a
     * benchmark peer). This context keeps ownership: do not release it.
     */
    public cl_command_queue queueHandle() {
        return queue();
    }

    /**
     * Takes ownership of an event that another JOCL-based library (e.g. CLBlast) created on this context's queue, so
     * that it is timed and released like every other event.
     */
    public ClEvent adopt(org.jocl.cl_event event) {
        live();
        return new ClEvent(this, event);
    }

    cl_context live() {
        if (context == null) {
            throw new IllegalStateException("context on " + device.name() + " is closed");
        }
        return context;
    }

    cl_command_queue queue() {
        live();
        return queue;
    }

    void checkOnDevice(int status, String what) {
        if (status != CL_SUCCESS) {
            throw new OpenClException(what + " failed", status, device.name(), null);
        }
    }

    @Override
    public void close() {
        if (context == null) {
            return;
        }
        clFinish(queue);
        clReleaseCommandQueue(queue);
        clReleaseContext(context);
        queue = null;
        context = null;
        LiveResources.contextClosed();
    }
}
