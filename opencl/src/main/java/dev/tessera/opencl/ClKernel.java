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

    ClKernel(ClContext context, String name, cl_kernel kernel) {
        this.context = context;
        this.name = name;
        this.kernel = kernel;
        LiveResources.kernelOpened();
    }

    public String name() {
        return name;
    }

    public ClKernel arg(int index, ClBuffer buffer) {
        return set(index, Sizeof.cl_mem, Pointer.to(buffer.mem()));
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
        if (FaultInjection.active()) {
            FaultInjection.check(FaultInjection.Point.ARG, "clSetKernelArg " + index + " of " + name,
                    context.device().name());
        }
        context.checkOnDevice(clSetKernelArg(live(), index, size, value), "clSetKernelArg " + index + " of " + name);
        return this;
    }

    /** The largest work-group this kernel can be launched with on this device (it may be below the device's). */
    public long maxWorkGroupSize() {
        long[] value = new long[1];
        context.checkOnDevice(clGetKernelWorkGroupInfo(live(), context.device().id(), CL_KERNEL_WORK_GROUP_SIZE,
                Sizeof.size_t, Pointer.to(value), null), "clGetKernelWorkGroupInfo");
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
        if (FaultInjection.active()) {
            FaultInjection.check(FaultInjection.Point.LAUNCH, "clEnqueueNDRangeKernel " + name, context.device().name());
        }
        context.checkOnDevice(clEnqueueNDRangeKernel(context.queue(), live(), global.length, null, global, local, 0,
                null, event), "clEnqueueNDRangeKernel " + name);
        return new ClEvent(context, event);
    }

    /**
     * Runs the kernel to completion and returns its timing; the event is released. While a {@link QueuedLaunches} of
     * the context is open it only queues the kernel and returns {@link EventTiming#QUEUED} (the stretch keeps the
     * event).
     */
    public EventTiming run(long[] global, long[] local) {
        QueuedLaunches queued = context.queuedLaunches();
        if (queued != null) {
            queued.add(launch(global, local));
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
