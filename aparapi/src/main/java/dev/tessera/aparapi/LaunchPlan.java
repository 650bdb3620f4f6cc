package dev.tessera.aparapi;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

import com.aparapi.Kernel;
import com.aparapi.Range;

/**
 * The kernel executions that compute one operator, in order, with their arguments already set, plus the hand-overs
 * between them: Aparapi keeps buffers per kernel instance, so an array one kernel writes and the next reads (im2col's
 * column matrix) passes through the host.
 */
final class LaunchPlan {
    /** One step: a kernel execution or a hand-over. */
    sealed interface Step permits Execute, HandOver {
    }

    /** Runs {@code configure} (sets the kernel's arguments; a no-op when they were set while planning), then the kernel. */
    record Execute(Kernel kernel, Range range, Runnable configure) implements Step {
    }

    /** {@code array}, written by {@code from}, read by {@code to}. */
    record HandOver(Kernel from, Kernel to, float[] array) implements Step {
    }

    private final List<Step> steps = new ArrayList<>();
    private final float[] output;
    private final String algorithm;
    private final String note;

    LaunchPlan(float[] output, String algorithm, String note) {
        this.output = output;
        this.algorithm = algorithm;
        this.note = note;
    }

    LaunchPlan execute(Kernel kernel, Range range) {
        return execute(kernel, range, () -> { });
    }

    /** An execution whose arguments {@code configure} sets just before it: for one kernel launched several times. */
    LaunchPlan execute(Kernel kernel, Range range, Runnable configure) {
        steps.add(new Execute(kernel, range, configure));
        return this;
    }

    LaunchPlan handOver(Kernel from, Kernel to, float[] array) {
        steps.add(new HandOver(from, to, array));
        return this;
    }

    float[] output() {
        return output;
    }

    String algorithm() {
        return algorithm;
    }

    String note() {
        return note;
    }

    /** The kernels in execution order. */
    List<Kernel> kernels() {
        return steps.stream().filter(Execute.class::isInstance).map(s -> ((Execute) s).kernel()).toList();
    }

    /**
     * Runs every step. In Aparapi's default (non-explicit) mode each execution copies what its kernel reads to the
     * device and what it writes back, so hand-overs need nothing; in explicit mode ({@link #makeExplicit}) only the
     * hand-overs move data.
     */
    void run(KernelLauncher launcher, boolean explicit) {
        for (Step step : steps) {
            if (step instanceof Execute e) {
                e.configure().run();
                launcher.execute(e.kernel(), e.range());
            } else if (explicit) {
                HandOver h = (HandOver) step;
                h.from().get(h.array());
                h.to().put(h.array());
            }
        }
    }

    /**
     * Switches every kernel to explicit transfers and copies each one's arrays to the device once: later
     * {@link #run}s with {@code explicit} keep the data there (as the hand-written backend's device-resident
     * benchmarks do). {@link #fetchOutput} copies the result back.
     */
    void makeExplicit() {
        if (kernels().stream().distinct().count() < kernels().size()) {
            throw new IllegalArgumentException("aparapi: an operator that launches one kernel several times with "
                    + "different arguments (concat) cannot be prepared for device-resident runs");
        }
        for (Kernel kernel : kernels()) {
            kernel.setExplicit(true);
            for (float[] array : arrays(kernel)) {
                kernel.put(array);
            }
        }
    }

    /** In explicit mode, copies the output from the device into {@link #output}. */
    void fetchOutput() {
        List<Kernel> kernels = kernels();
        kernels.get(kernels.size() - 1).get(output);
    }

    /** The global (non-local) float arrays a kernel's class and its superclasses declare: its buffers. */
    private static List<float[]> arrays(Kernel kernel) {
        List<float[]> arrays = new ArrayList<>();
        for (Class<?> c = kernel.getClass(); c != Kernel.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getType() == float[].class && !f.isAnnotationPresent(Kernel.Local.class)) {
                    try {
                        f.setAccessible(true);
                        arrays.add((float[]) f.get(kernel));
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return arrays;
    }
}
