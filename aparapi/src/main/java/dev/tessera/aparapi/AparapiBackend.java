package dev.tessera.aparapi;

import java.nio.file.Path;
import java.util.List;

import com.aparapi.device.OpenCLDevice;

import dev.tessera.backend.Backend;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.OpResult;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.OpenClDevices;

/**
 * The operators written as Java kernels that Aparapi translates to OpenCL at run time, on the same OpenCL devices as
 * the hand-written backend (chosen with the same selector). See {@link OperatorKernels} for operator to kernel.
 *
 * <p>Where Aparapi cannot translate or build a kernel it quietly runs it in a Java thread pool. This backend checks
 * after every execution: {@link OpResult#ranOn()} is {@code "opencl:<device>"} only when every kernel of the operator
 * ran on the device, else {@code "java-thread-pool"} with the kernels and reasons in {@link OpResult#note()}. With
 * {@link Options#allowThreadPool()} false a fallback is an {@link IllegalStateException} and nothing runs in Java.
 *
 * <p>{@link OpResult#kernelMs()} is Aparapi's own timing of its native executions (buffer transfers included; Aparapi
 * exposes no per-kernel profiling events), NaN when a kernel ran in the thread pool.
 *
 * <p>Not thread-safe (Aparapi kernels are stateful).
 */
public final class AparapiBackend implements Backend {
    /**
     * @param allowThreadPool whether a kernel Aparapi cannot run on the device may run in its Java thread pool
     *                        (reported as such); false makes that an error
     * @param dumpKernelsDir  where to write the OpenCL source Aparapi generates, one {@code <Kernel>.cl} per kernel
     *                        class, or null
     */
    public record Options(boolean allowThreadPool, Path dumpKernelsDir) {
        /** Fallback reported, not forbidden; no dump. */
        public static Options defaults() {
            return new Options(true, null);
        }
    }

    private final OpenCLDevice device;
    private final KernelLauncher launcher;
    private final OperatorKernels kernels = new OperatorKernels();

    private AparapiBackend(OpenCLDevice device, Options options) {
        this.device = device;
        this.launcher = new KernelLauncher(device, options.allowThreadPool(),
                new KernelSources(options.dumpKernelsDir()));
    }

    /** A backend on the Aparapi device that is {@code device}. */
    public static AparapiBackend open(ClDevice device, Options options) {
        List<ClDevice> before = OpenClDevices.all().stream().filter(d -> d.index() < device.index()).toList();
        return new AparapiBackend(AparapiDevices.find(device.info(), before.stream().map(ClDevice::info).toList()),
                options);
    }

    KernelLauncher launcher() {
        return launcher;
    }

    @Override
    public String name() {
        return "aparapi";
    }

    @Override
    public String device() {
        return device.getName();
    }

    @Override
    public OpResult run(Operator op, List<Tensor> inputs) {
        return run(op, inputs, ConvAlgorithm.AUTO);
    }

    @Override
    public OpResult run(Operator op, List<Tensor> inputs, ConvAlgorithm algorithm) {
        int[] outShape = op.outputShape(inputs.stream().map(Tensor::shape).toList());
        requireFitsDevice(op, inputs, outShape);
        long start = System.nanoTime();
        if (op instanceof Operator.Flatten) {
            // a reshape: no data moves, no kernel runs
            return new OpResult(inputs.get(0).copy().reshape(outShape), "reshape", 0.0,
                    (System.nanoTime() - start) / 1e6, "opencl:" + device(), "");
        }
        launcher.reset();
        return run(kernels.plan(op, algorithm, inputs, outShape, launcher), outShape, start);
    }

    /**
     * Refuses, with the figures, an input or output array larger than the device can allocate at once
     * (CL_DEVICE_MAX_MEM_ALLOC_SIZE), before Aparapi tries and fails or falls back.
     */
    private void requireFitsDevice(Operator op, List<Tensor> inputs, int[] outShape) {
        long limit = device.getMaxMemAllocSize();
        long largest = Tensor.sizeOf(outShape);
        for (Tensor t : inputs) {
            largest = Math.max(largest, t.size());
        }
        if (largest * Float.BYTES > limit) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "%s: an array of %.1f MiB is "
                    + "larger than %s can allocate at once (CL_DEVICE_MAX_MEM_ALLOC_SIZE %.1f MiB); use a smaller batch "
                    + "or input", op.name(), largest * 4 / 1048576.0, device(), limit / 1048576.0));
        }
    }

    /** Runs {@code plan} with Aparapi's automatic transfers and says where its kernels ran. */
    OpResult run(LaunchPlan plan, int[] outShape, long start) {
        plan.run(launcher, false);
        double wallMs = (System.nanoTime() - start) / 1e6;
        List<String> fallbacks = launcher.fallbacks();
        Tensor output = new Tensor(plan.output(), outShape);
        if (fallbacks.isEmpty()) {
            return new OpResult(output, plan.algorithm(), launcher.nativeMs(), wallMs, "opencl:" + device(),
                    plan.note());
        }
        String note = "Aparapi ran " + String.join(", ", fallbacks) + " in its Java thread pool, not on "
                + device() + (plan.note().isEmpty() ? "" : "; " + plan.note());
        return new OpResult(output, plan.algorithm(), Double.NaN, wallMs, "java-thread-pool", note);
    }

    /**
     * Prepares {@code op} on {@code inputs} for repeated runs with the data kept on the device (Aparapi's explicit
     * mode): for benchmarks, as the hand-written backend's {@code enqueue}. It has kernels of its own; close it.
     */
    public PreparedOperator prepare(Operator op, List<Tensor> inputs) {
        return prepare(op, inputs, ConvAlgorithm.AUTO);
    }

    /** {@link #prepare(Operator, List)} with a convolution's algorithm chosen. */
    public PreparedOperator prepare(Operator op, List<Tensor> inputs, ConvAlgorithm algorithm) {
        int[] outShape = op.outputShape(inputs.stream().map(Tensor::shape).toList());
        requireFitsDevice(op, inputs, outShape);
        return new PreparedOperator(op, algorithm, inputs, outShape, launcher);
    }

    /** One operator with its data on the device; {@link #run} executes its kernels, moving only hand-overs. */
    public static final class PreparedOperator implements AutoCloseable {
        private final OperatorKernels kernels = new OperatorKernels();
        private final KernelLauncher launcher;
        private final LaunchPlan plan;
        private final int[] outShape;

        private PreparedOperator(Operator op, ConvAlgorithm algorithm, List<Tensor> inputs, int[] outShape,
                KernelLauncher launcher) {
            this.launcher = launcher;
            this.outShape = outShape;
            this.plan = kernels.plan(op, algorithm, inputs, outShape, launcher);
            plan.makeExplicit();
        }

        /** Runs the kernels once; returns Aparapi's native time in ms. Throws if a kernel fell back to Java. */
        public double run() {
            launcher.reset();
            plan.run(launcher, true);
            if (!launcher.fallbacks().isEmpty()) {
                throw new IllegalStateException("aparapi: " + launcher.fallbacks() + " ran in the Java thread pool");
            }
            return launcher.nativeMs();
        }

        /** The algorithm that runs. */
        public String algorithm() {
            return plan.algorithm();
        }

        /** Copies the output of the last run from the device. */
        public Tensor output() {
            plan.fetchOutput();
            return new Tensor(plan.output(), outShape);
        }

        @Override
        public void close() {
            kernels.dispose();
        }
    }

    @Override
    public void close() {
        kernels.dispose();
    }
}
