package dev.tessera.opencl;

import static org.jocl.CL.*;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_event;

/** The event of one queued command. Its profiling times are valid once it has completed. */
public final class ClEvent implements AutoCloseable {
    private final ClContext context;
    private cl_event event;

    ClEvent(ClContext context, cl_event event) {
        this.context = context;
        this.event = event;
        LiveResources.eventOpened();
    }

    public void waitFor() {
        context.checkOnDevice(clWaitForEvents(1, new cl_event[] {live()}), "clWaitForEvents");
    }

    /** Profiling timestamps; waits for completion first. {@code wallNs} is stored as given. */
    public EventTiming timing(long wallNs) {
        waitFor();
        return new EventTiming(profile(CL_PROFILING_COMMAND_QUEUED), profile(CL_PROFILING_COMMAND_SUBMIT),
                profile(CL_PROFILING_COMMAND_START), profile(CL_PROFILING_COMMAND_END), wallNs);
    }

    private long profile(int param) {
        long[] value = new long[1];
        context.checkOnDevice(clGetEventProfilingInfo(live(), param, Sizeof.cl_ulong, Pointer.to(value), null),
                "clGetEventProfilingInfo");
        return value[0];
    }

    private cl_event live() {
        if (event == null) {
            throw new IllegalStateException("event is released");
        }
        return event;
    }

    @Override
    public void close() {
        if (event != null) {
            clReleaseEvent(event);
            event = null;
            LiveResources.eventClosed();
        }
    }
}
