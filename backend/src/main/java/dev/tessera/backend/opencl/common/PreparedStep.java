package dev.tessera.backend.opencl.common;

import java.util.List;
import java.util.function.Supplier;

import dev.tessera.opencl.ClKernel;
import dev.tessera.opencl.EventTiming;

/**
 * One operator ready to run on fixed device buffers: its kernels created with their arguments bound, its weights
 * transformed, its constants uploaded. {@link dev.tessera.backend.opencl.OpenClBackend#run} prepares a step, runs it once and closes it;
 * {@link dev.tessera.backend.opencl.plan.OpenClGraph} prepares every node's step once and runs them many times. Closing releases what the step owns,
 * never the buffers it reads and writes.
 */
public interface PreparedStep extends AutoCloseable {
    /** The solver id for a convolution, the kernel's name otherwise. */
    String algorithm();

    /** What the user must be told (AUTO's timings and choice); empty if nothing. */
    String note();

    /** Launches the step's kernels and waits for them. */
    List<EventTiming> run();

    @Override
    void close();

    /** A step that owns {@code owned} and runs {@code launches}. */
    static PreparedStep of(AutoCloseable owned, String algorithm, String note, Supplier<List<EventTiming>> launches) {
        return new PreparedStep() {
            @Override
            public String algorithm() {
                return algorithm;
            }

            @Override
            public String note() {
                return note;
            }

            @Override
            public List<EventTiming> run() {
                return launches.get();
            }

            @Override
            public void close() {
                try {
                    owned.close();
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }

    /** A single element-wise kernel over {@code total} items ({@link Launch#elementwise}); owns the kernel. */
    static PreparedStep elementwise(ClKernel kernel, long total) {
        return of(kernel, kernel.name(), "", () -> List.of(Launch.elementwise(kernel, total)));
    }
}
