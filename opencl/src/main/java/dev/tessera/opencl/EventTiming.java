package dev.tessera.opencl;

/**
 * The profiling timestamps of one command (device clock, nanoseconds) and the wall time the host saw.
 *
 * @param queuedNs  when the host queued it
 * @param submitNs  when it was submitted to the device
 * @param startNs   when it began running
 * @param endNs     when it finished
 * @param wallNs    host wall time from enqueue to completion observed, or -1 where not measured
 */
public record EventTiming(long queuedNs, long submitNs, long startNs, long endNs, long wallNs) {
    /**
     * What {@link ClKernel#run} returns while a {@link QueuedLaunches} is open: the launch was queued, not waited for;
     * its real timing comes from {@link QueuedLaunches#finish}. All zero.
     */
    public static final EventTiming QUEUED = new EventTiming(0, 0, 0, 0, 0);

    /** Device execution time, end minus start. */
    public long kernelNs() {
        return endNs - startNs;
    }

    /** Time from queueing to the start of execution: launch overhead as the device saw it. */
    public long queueDelayNs() {
        return startNs - queuedNs;
    }

    public double kernelMs() {
        return kernelNs() / 1e6;
    }
}
