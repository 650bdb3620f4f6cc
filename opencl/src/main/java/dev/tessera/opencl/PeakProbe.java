package dev.tessera.opencl;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import org.jocl.Sizeof;

/**
 * Measures a device's roofline ceilings: the peak fp32 arithmetic rate and the global memory bandwidth.
 *
 * <p>Peak: {@code probe_peak.cl} with {@code fma} and with {@code mad}, at every vector width (1-16), 8 and 16 independent
 * chains per work-item, and several work-group sizes; the best rate wins. A sustained warm-up runs first so that a CPU
 * has reached its boost clock before anything is timed. Many independent chains are what make it a ceiling: a single dependent
 * chain (clpeak's method) measures latency, and on PoCL reports a tenth of what a well-blocked GEMM reaches.
 *
 * <p>Bandwidth: {@code probe_bandwidth.cl}, a vector copy and two read kernels (tiled for GPUs, blocked for CPUs) over a
 * buffer larger than any last-level cache; the best rate wins.
 *
 * <p>Times come from OpenCL profiling events; each configuration is calibrated to run about {@code targetMillis}, then
 * timed {@code repeats} times, and the fastest run counts.
 */
public final class PeakProbe {
    /** One measured configuration. {@code value} is GFLOP/s for compute, GB/s for memory. */
    public record Measurement(String kernel, String operation, int vectorWidth, int accumulators, long workGroupSize,
            long globalSize, double bestMs, double value) {
    }

    /** The probe's figures for one device. */
    public record Result(DeviceInfo device, double peakGflopsFp32, Measurement bestCompute, double bandwidthGbs,
            Measurement bestBandwidth, List<Measurement> compute, List<Measurement> memory) {
    }

    /**
     * The configurations a probe tries: vector widths, chains per work-item and operations of the compute kernel, vector
     * widths of the memory kernels.
     */
    public record Sweep(int[] vectorWidths, int[] accumulators, String[] operations, int[] memoryVectorWidths,
            long[] workGroupSizes) {
        /**
         * Everything: widths 1-16, 8 and 16 chains, fma and mad; memory kernels at float4, float8, float16; work-groups
         * of 1, the kernel's preferred multiple (0 stands for it), 64 and 256.
         */
        public static final Sweep FULL = new Sweep(new int[] {1, 2, 4, 8, 16}, new int[] {8, 16},
                new String[] {"fma", "mad"}, new int[] {4, 8, 16}, new long[] {1, 0, 64, 256});
        /**
         * A smoke test: float4 and float16, 16 fma chains, float16 memory kernels, work-groups of 1 and 64. Drivers
         * that compile per work-group size (PoCL) compile each combination, so fewer combinations is most of the speed.
         */
        public static final Sweep SMALL = new Sweep(new int[] {4, 16}, new int[] {16}, new String[] {"fma"},
                new int[] {16}, new long[] {1, 64});
    }
    private static final int FLOPS_PER_STEP = 2;
    private static final int ROUNDS = 4; // chain steps per loop iteration in probe_peak.cl

    private final double targetMillis;
    private final int repeats;
    private final long bandwidthBytes;
    private final long warmUpNanos;
    private final Sweep sweep;

    /**
     * @param targetMillis   how long one timed launch should last
     * @param repeats        timed launches per configuration (the fastest counts)
     * @param bandwidthBytes buffer size for the memory kernels (capped by the device's limits)
     * @param warmUpMillis   sustained load before the first timed launch, so that clocks have risen
     * @param sweep          the kernel configurations to try
     */
    public PeakProbe(double targetMillis, int repeats, long bandwidthBytes, long warmUpMillis, Sweep sweep) {
        this.sweep = sweep;
        this.targetMillis = targetMillis;
        this.repeats = repeats;
        this.bandwidthBytes = bandwidthBytes;
        this.warmUpNanos = warmUpMillis * 1_000_000L;
    }

    /** The defaults `tessera probe` uses: 15 ms launches, best of 5, 128 MiB buffers, 500 ms warm-up. */
    public static PeakProbe standard() {
        return new PeakProbe(15, 5, 128L << 20, 500, Sweep.FULL);
    }

    /** A rough probe in a few seconds: the small sweep, 2 ms launches, best of 2, 16 MiB buffers, no warm-up. */
    public static PeakProbe quick() {
        return new PeakProbe(2, 2, 16L << 20, 0, Sweep.SMALL);
    }

    public Result run(ClContext context) {
        List<Measurement> compute = new ArrayList<>();
        for (String operation : sweep.operations()) {
            for (int width : sweep.vectorWidths()) {
                for (int accumulators : sweep.accumulators()) {
                    compute.addAll(measureCompute(context, operation, width, accumulators, compute.isEmpty()));
                }
            }
        }
        List<Measurement> memory = measureMemory(context);
        Measurement bestCompute = best(compute);
        Measurement bestMemory = best(memory);
        return new Result(context.info(), bestCompute.value(), bestCompute, bestMemory.value(), bestMemory,
                List.copyOf(compute), List.copyOf(memory));
    }

    private static Measurement best(List<Measurement> measurements) {
        return measurements.stream().max((a, b) -> Double.compare(a.value(), b.value())).orElseThrow();
    }

    private List<Measurement> measureCompute(ClContext context, String operation, int width, int accumulators,
            boolean warmUp) {
        DeviceInfo info = context.info();
        List<Measurement> results = new ArrayList<>();
        String options = "-DVECTOR_WIDTH=" + width + " -DACCUMULATORS=" + accumulators + " -DMULTIPLY_ADD=" + operation;
        try (ClProgram program = context.build(ProgramSource.resource("probe_peak.cl"), options);
                ClKernel kernel = program.kernel("peak_multiply_add")) {
            for (long local : workGroupSizes(kernel)) {
                // enough work-items to fill every compute unit many times over (GPUs need thousands per unit)
                long perUnit = info.isCpu() ? Math.max(64, local * 8) : Math.max(2048, local * 4);
                long global = roundUp(info.computeUnits() * perUnit, local);
                try (ClBuffer out = context.buffer(global * width * Sizeof.cl_float)) {
                    kernel.arg(0, out).arg(1, 0.999f).arg(2, 0.001f);
                    int iterations = calibrate(kernel, 3, global, local);
                    if (warmUp) {
                        warmUp = false;
                        long until = System.nanoTime() + warmUpNanos;
                        while (System.nanoTime() < until) {
                            kernel.run(new long[] {global}, new long[] {local});
                        }
                    }
                    double bestMs = time(kernel, 3, iterations, global, local);
                    double flops = (double) global * iterations * ROUNDS * accumulators * width * FLOPS_PER_STEP;
                    results.add(new Measurement("peak_multiply_add", operation, width, accumulators, local, global,
                            bestMs, flops / (bestMs * 1e6)));
                }
            }
        }
        return results;
    }

    private List<Measurement> measureMemory(ClContext context) {
        DeviceInfo info = context.info();
        long cap = Math.min(bandwidthBytes, Math.min(info.maxAllocBytes(), info.globalMemBytes() / 8));
        long bytes = Long.highestOneBit(Math.max(cap, 1L << 20));
        List<Measurement> results = new ArrayList<>();
        try (ClBuffer src = context.buffer(bytes); ClBuffer dst = context.buffer(bytes)) {
            src.fill(1.0f);
            for (int width : sweep.memoryVectorWidths()) {
                String options = "-DVECTOR_WIDTH=" + width;
                try (ClProgram program = context.build(ProgramSource.resource("probe_bandwidth.cl"), options)) {
                    long elements = bytes / ((long) Sizeof.cl_float * width);
                    try (ClKernel copy = program.kernel("copy_vector")) {
                        copy.arg(0, src).arg(1, dst);
                        for (long local : workGroupSizes(copy)) {
                            double ms = time(copy, -1, 0, elements, local);
                            results.add(new Measurement("copy_vector", "copy", width, 0, local, elements, ms,
                                    2.0 * bytes / (ms * 1e6)));
                        }
                    }
                    // few long-running readers (what a CPU streams best) and many short ones (what a GPU hides latency with)
                    long fewReaders = Math.min(elements / 2, Long.highestOneBit(info.computeUnits() * 1024L) * 2);
                    for (long readers : new long[] {fewReaders, elements / 16}) {
                        int perItem = (int) (elements / readers); // a power of two, at least 2
                        for (String name : new String[] {"read_tiled", "read_blocked"}) {
                            try (ClKernel read = program.kernel(name)) {
                                read.arg(0, src).arg(1, dst).arg(2, perItem);
                                for (long local : workGroupSizes(read)) {
                                    if (readers % local == 0) {
                                        double ms = time(read, -1, 0, readers, local);
                                        results.add(new Measurement(name, "read", width, 0, local, readers, ms,
                                                bytes / (ms * 1e6)));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return results;
    }

    /** The sweep's work-group sizes (0: the kernel's preferred multiple) within the kernel's limit. */
    private List<Long> workGroupSizes(ClKernel kernel) {
        long max = kernel.maxWorkGroupSize();
        TreeSet<Long> sizes = new TreeSet<>();
        for (long wanted : sweep.workGroupSizes()) {
            long size = wanted == 0 ? kernel.preferredWorkGroupSizeMultiple() : wanted;
            if (size >= 1 && size <= max) {
                sizes.add(size);
            }
        }
        return new ArrayList<>(sizes);
    }

    /** Iterations that make one launch last about {@code targetMillis}. */
    private int calibrate(ClKernel kernel, int iterationsArg, long global, long local) {
        int iterations = 64;
        kernel.arg(iterationsArg, iterations);
        kernel.run(new long[] {global}, new long[] {local}); // the first launch may include the driver's compilation
        while (true) {
            kernel.arg(iterationsArg, iterations);
            double ms = kernel.run(new long[] {global}, new long[] {local}).kernelMs();
            if (ms >= targetMillis / 4 || iterations >= (1 << 24)) {
                double scaled = iterations * targetMillis / Math.max(ms, 1e-3);
                return (int) Math.max(1, Math.min(1 << 26, scaled));
            }
            iterations *= 4;
        }
    }

    /** Fastest of {@code repeats} launches after one warm-up, in milliseconds. */
    private double time(ClKernel kernel, int iterationsArg, int iterations, long global, long local) {
        if (iterationsArg >= 0) {
            kernel.arg(iterationsArg, iterations);
        }
        long[] g = {global};
        long[] l = {local};
        kernel.run(g, l);
        double best = Double.MAX_VALUE;
        for (int i = 0; i < repeats; i++) {
            best = Math.min(best, kernel.run(g, l).kernelMs());
        }
        return best;
    }

    private static long roundUp(long value, long multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }
}
