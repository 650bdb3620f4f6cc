package dev.tessera.opencl;

import java.util.ArrayList;
import java.util.List;

/**
 * A stretch of launches on one {@link ClContext} that queue without waiting: while it is open,
 * {@link ClKernel#run} queues the kernel, keeps its event here and returns {@link EventTiming#QUEUED} at once instead
 * of blocking, so that the device runs the launches back to back (the queue is in order, and kernel arguments are
 * captured when a kernel is queued, so code written for blocking launches runs unchanged). {@link #finish} waits once
 * for everything and gives the real timings in launch order. Opened by {@link ClContext#queueLaunches}; one at a time
 * per context.
 *
 * <p>Only for code that launches kernels and reads nothing back to the host in between (a blocking buffer read still
 * waits for every queued launch, as the queue is in order, so it stays correct, only not overlapped).
 */
public final class QueuedLaunches implements AutoCloseable {
    private final ClContext context;
    private final List<ClEvent> events = new ArrayList<>();
    private final long startNs = System.nanoTime();
    private final boolean profiled;
    private int untimed;
    private boolean open = true;
    private boolean finished;

    QueuedLaunches(ClContext context, boolean profiled) {
        this.context = context;
        this.profiled = profiled;
    }

    /** Whether launches keep an event for their timing; unprofiled stretches launch without events (less overhead). */
    public boolean profiled() {
        return profiled;
    }

    void add(ClEvent event) {
        events.add(event);
    }

    void addUntimed() {
        untimed++;
    }

    /** Launches queued so far. */
    public int size() {
        return events.size() + untimed;
    }

    /**
     * Waits for every queued launch and returns their timings in launch order; the wall time of each is the host time
     * from opening this stretch to the end of the wait (the launches were not waited for one by one). An unprofiled
     * stretch returns no timings. Closes it.
     */
    public List<EventTiming> finish() {
        context.finish();
        finished = true;
        long wall = System.nanoTime() - startNs;
        List<EventTiming> timings = new ArrayList<>(events.size());
        for (ClEvent e : events) {
            timings.add(e.timing(wall));
        }
        close();
        return timings;
    }

    /**
     * Stops queueing (later launches block again), waits for whatever was queued (so that no queued kernel outlives
     * the buffers its caller may free next, e.g. after an exception half-way through a run) and releases the events.
     */
    @Override
    public void close() {
        if (open) {
            open = false;
            context.stopQueueing(this);
            try {
                if (size() > 0 && !finished) {
                    context.finish();
                }
            } finally {
                for (ClEvent e : events) {
                    e.close();
                }
            }
        }
    }
}
