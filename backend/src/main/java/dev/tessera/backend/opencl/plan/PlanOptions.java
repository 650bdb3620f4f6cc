package dev.tessera.backend.opencl.plan;

import dev.tessera.backend.ConvAlgorithms;

/**
 * How {@link dev.tessera.backend.opencl.OpenClBackend#compile(dev.tessera.backend.graph.Graph, int, PlanOptions)} builds a device-resident plan.
 * The defaults are the fast ones; switching one off measures what it is worth, or gives every node its own launches
 * and timing.
 *
 * @param fuse          fold batch norms into the convolutions before them and fuse ReLUs into the operator before them
 *                      ({@link dev.tessera.backend.graph.GraphFusion}) and, unless the system property
 *                      {@code tessera.fuseResidual} is {@code false}, residual adds into the convolution before them
 *                      ({@link ResidualFusion}); off: every node runs its own kernels
 * @param queueLaunches queue every launch of a run and wait once at the end; off: each launch blocks until done, so
 *                      each node's wall time is its own host round trip
 * @param algorithms    the convolution algorithm of each layer (overall and per-layer overrides)
 */
public record PlanOptions(boolean fuse, boolean queueLaunches, ConvAlgorithms algorithms) {
    /** Fusion on, launches queued. */
    public static final PlanOptions DEFAULT = new PlanOptions(true, true);

    /** Every node its own kernels, every launch blocking: the plan as first written, for comparisons. */
    public static final PlanOptions UNFUSED_BLOCKING = new PlanOptions(false, false);

    /** AUTO for every convolution. */
    public PlanOptions(boolean fuse, boolean queueLaunches) {
        this(fuse, queueLaunches, ConvAlgorithms.AUTO);
    }

    /** These options with {@code algorithms}. */
    public PlanOptions withAlgorithms(ConvAlgorithms chosen) {
        return new PlanOptions(fuse, queueLaunches, chosen);
    }
}
