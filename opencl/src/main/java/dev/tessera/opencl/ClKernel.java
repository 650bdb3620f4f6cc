package dev.tessera.opencl;

import static org.jocl.CL.*;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_event;
import org.jocl.cl_kernel;

/** One kernel with its arguments. Not thread-safe: arguments are state. */
public final class ClKernel implements AutoCloseable {
    private final ClContext context;
    private final String name;
    private cl_kernel kernel;
    /** The buffer bound to each argument by {@link #arg(int, ClBuffer)}, null where a value or nothing is. */
    private org.jocl.cl_mem[] boundBuffers = new org.jocl.cl_mem[0];

    ClKernel(ClContext context, String name, cl_kernel kernel) {
        this.context = context;
        this.name = name;
        this.kernel = kernel;
        LiveResources.kernelOpened();
    }

    public String name() {
        return name;
    }

    /**
     * Binds {@code buffer} to argument {@code index}. Binding the buffer an argument already holds does nothing, so
     * code that binds its buffers before every launch (a prepared convolution run on the same buffers) calls the driver
     * only the first time.
     */
    public ClKernel arg(int index, ClBuffer buffer) {
        if (index < boundBuffers.length && boundBuffers[index] == buffer.mem()) {
            return this;
        }
        set(index, Sizeof.cl_mem, Pointer.to(buffer.mem()));
        if (index >= boundBuffers.length) {
            boundBuffers = java.util.Arrays.copyOf(boundBuffers, Math.max(index + 1, 2 * boundBuffers.length));
        }
        boundBuffers[index] = buffer.mem();
        return this;
    }

    public ClKernel arg(int index, int value) {
        return set(index, Sizeof.cl_int, Pointer.to(new int[] {value}));
    }

    public ClKernel arg(int index, float value) {
        return set(index, Sizeof.cl_float, Pointer.to(new float[] {value}));
    }

    public ClKernel arg(int index, long value) {
        return set(index, Sizeof.cl_long, Pointer.to(new long[] {value}));
    }

    /** A {@code __local} argument of {@code bytes} bytes. */
    public ClKernel localArg(int index, long bytes) {
        return set(index, bytes, null);
    }

    private ClKernel set(int index, long size, Pointer value) {
        if (index < boundBuffers.length) {
            boundBuffers[index] = null;
        }
        if (FaultInjection.active()) {
            FaultInjection.check(FaultInjection.Point.ARG, "clSetKernelArg " + index + " of " + name,
                    context.device().name());
        }
        context.checkOnDevice(clSetKernelArg(live(), index, size, value), "clSetKernelArg " + index + " of " + name);
        return this;
    }

    /**
     * The largest work-group this kernel can be launched with on this device (it may be below the device's), never
     * above the device's reported limit ({@link DeviceLimits} may cap that below the driver's).
     */
    public long maxWorkGroupSize() {
        long[] value = new long[1];
        context.checkOnDevice(clGetKernelWorkGroupInfo(live(), context.device().id(), CL_KERNEL_WORK_GROUP_SIZE,
                Sizeof.size_t, Pointer.to(value), null), "clGetKernelWorkGroupInfo");
        return Math.min(value[0], context.info().maxWorkGroupSize());
    }

    /** The local memory this kernel uses on this device (its {@code __local} arrays and arguments as set now). */
    public long localMemBytes() {
        long[] value = new long[1];
        context.checkOnDevice(clGetKernelWorkGroupInfo(live(), context.device().id(), CL_KERNEL_LOCAL_MEM_SIZE,
                Sizeof.cl_ulong, Pointer.to(value), null), "clGetKernelWorkGroupInfo");
        return value[0];
    }

    /** The work-group size multiple the device prefers for this kernel (warp/wavefront/SIMD width). */
    public long preferredWorkGroupSizeMultiple() {
        long[] value = new long[1];
        context.checkOnDevice(clGetKernelWorkGroupInfo(live(), context.device().id(),
                CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE, Sizeof.size_t, Pointer.to(value), null),
                "clGetKernelWorkGroupInfo");
        return value[0];
    }

    /**
     * Queues the kernel over {@code global} work-items in groups of {@code local} (null: the driver chooses) and returns
     * its event, which the caller closes.
     */
    public ClEvent launch(long[] global, long[] local) {
        if (local != null && local.length != global.length) {
            throw new IllegalArgumentException("global and local ranges differ in rank");
        }
        cl_event event = new cl_event();
        enqueue(global, local, event);
        return new ClEvent(context, event);
    }

    private void enqueue(long[] global, long[] local, cl_event event) {
        if (FaultInjection.active()) {
            FaultInjection.check(FaultInjection.Point.LAUNCH, "clEnqueueNDRangeKernel " + name, context.device().name());
        }
        context.checkOnDevice(clEnqueueNDRangeKernel(context.queue(), live(), global.length, null, global, local, 0,
                null, event), "clEnqueueNDRangeKernel " + name);
    }

    /**
     * Runs the kernel to completion and returns its timing; the event is released. While a {@link QueuedLaunches} of
     * the context is open it only queues the kernel and returns {@link EventTiming#QUEUED} (the stretch keeps the
     * event; an unprofiled stretch asks for none).
     */
    public EventTiming run(long[] global, long[] local) {
        QueuedLaunches queued = context.queuedLaunches();
        if (queued != null) {
            if (queued.profiled()) {
                queued.add(launch(global, local));
            } else {
                enqueue(global, local, null);
                queued.addUntimed();
            }
            return EventTiming.QUEUED;
        }
        long wallStart = System.nanoTime();
        try (ClEvent event = launch(global, local)) {
            event.waitFor();
            return event.timing(System.nanoTime() - wallStart);
        }
    }

    private cl_kernel live() {
        if (kernel == null) {
            throw new IllegalStateException("kernel " + name + " is closed");
        }
        return kernel;
    }

    @Override
    public void close() {
        if (kernel != null) {
            clReleaseKernel(kernel);
            kernel = null;
            LiveResources.kernelClosed();
        }
    }
}
