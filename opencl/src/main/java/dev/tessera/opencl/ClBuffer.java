package dev.tessera.opencl;

import static org.jocl.CL.*;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_mem;

/** A device buffer. Reads and writes are blocking; release it with {@link #close()}. */
public final class ClBuffer implements AutoCloseable {
    private final ClContext context;
    private final long bytes;
    private cl_mem mem;

    ClBuffer(ClContext context, cl_mem mem, long bytes) {
        this.context = context;
        this.mem = mem;
        this.bytes = bytes;
        LiveResources.bufferOpened(bytes);
    }

    public long bytes() {
        return bytes;
    }

    /** Copies {@code data} to the start of the buffer. */
    public void write(float[] data) {
        write(data, 0);
    }

    /** Copies {@code data} into the buffer starting at float element {@code offset}. */
    public void write(float[] data, long offset) {
        long size = (long) data.length * Sizeof.cl_float;
        checkRange(offset * Sizeof.cl_float, size);
        context.checkOnDevice(clEnqueueWriteBuffer(context.queue(), mem(), CL_TRUE, offset * Sizeof.cl_float, size,
                Pointer.to(data), 0, null, null), "clEnqueueWriteBuffer");
    }

    /**
     * Queues a copy of {@code data} (a direct buffer, from its position to its limit) to the start of the buffer and
     * returns without waiting. {@code data} must stay unchanged until a later blocking command (a blocking read,
     * {@link ClContext#finish}) has returned: the queue is in order, so any of them waits for the copy.
     */
    public void writeWithoutBlocking(java.nio.FloatBuffer data) {
        if (!data.isDirect()) {
            throw new IllegalArgumentException("a write without blocking needs a direct buffer");
        }
        long size = (long) data.remaining() * Sizeof.cl_float;
        checkRange(0, size);
        context.checkOnDevice(clEnqueueWriteBuffer(context.queue(), mem(), CL_FALSE, 0, size, Pointer.to(data), 0,
                null, null), "clEnqueueWriteBuffer");
    }

    /** Fills {@code target} from the start of the buffer. */
    public void read(float[] target) {
        read(target, 0);
    }

    /** Fills {@code target} from float element {@code offset} on. */
    public void read(float[] target, long offset) {
        long size = (long) target.length * Sizeof.cl_float;
        checkRange(offset * Sizeof.cl_float, size);
        context.checkOnDevice(clEnqueueReadBuffer(context.queue(), mem(), CL_TRUE, offset * Sizeof.cl_float, size,
                Pointer.to(target), 0, null, null), "clEnqueueReadBuffer");
    }

    /** The whole buffer as floats. */
    public float[] readFloats() {
        float[] data = new float[(int) (bytes / Sizeof.cl_float)];
        read(data);
        return data;
    }

    /** Sets every float to {@code value} (OpenCL 1.2 clEnqueueFillBuffer). */
    public void fill(float value) {
        if (bytes % Sizeof.cl_float != 0) {
            throw new IllegalStateException("buffer of " + bytes + " bytes does not hold whole floats");
        }
        context.checkOnDevice(clEnqueueFillBuffer(context.queue(), mem(), Pointer.to(new float[] {value}),
                Sizeof.cl_float, 0, bytes, 0, null, null), "clEnqueueFillBuffer");
        context.finish();
    }

    private void checkRange(long offset, long size) {
        if (offset < 0 || offset + size > bytes) {
            throw new IndexOutOfBoundsException("transfer of " + size + " bytes at " + offset + " outside buffer of "
                    + bytes + " bytes");
        }
    }

    /**
     * The JOCL handle, for handing this buffer to another JOCL-based library (e.g. CLBlast as a benchmark peer). This
     * buffer keeps ownership: do not release the handle.
     */
    public cl_mem handle() {
        return mem();
    }

    cl_mem mem() {
        if (mem == null) {
            throw new IllegalStateException("buffer is closed");
        }
        return mem;
    }

    @Override
    public void close() {
        if (mem != null) {
            clReleaseMemObject(mem);
            mem = null;
            LiveResources.bufferClosed(bytes);
        }
    }
}
