package dev.tessera.api;

import java.nio.file.Path;
import java.util.List;

import dev.tessera.backend.Backend;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.CompiledGraph;
import dev.tessera.backend.graph.GraphRun;
import dev.tessera.backend.io.Npy;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.models.Model;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.OpenClException;

/**
 * A network compiled for one device, backend and batch size: it owns the device context, the kernels, the
 * transformed weights and the device memory, and releases them all on {@link #close()}. Use it with
 * try-with-resources.
 *
 * <pre>{@code
 * try (Session session = network.compile(Devices.first(), CompileOptions.defaults().batch(4))) {
 *     Output out = session.run(images);          // 4 x C x H x W floats, row-major
 *     int predicted = out.argmax(0);
 *     session.lastTimings().forEach(System.out::println);
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> A session is safe to share between threads: its methods are synchronized, so runs from several
 * threads take turns on the device (for parallel runs, compile one session per thread). A closed session throws
 * {@link IllegalStateException}.
 */
public final class Session implements AutoCloseable {
    private final Backend backend;
    private final CompiledGraph plan;
    private final int imageFloats;
    private boolean closed;

    private Session(Backend backend, CompiledGraph plan) {
        this.backend = backend;
        this.plan = plan;
        int[] s = plan.graph().inputShape();
        this.imageFloats = s[0] * s[1] * s[2];
    }

    static Session open(Model model, ClDevice device, CompileOptions options) {
        Backend backend;
        try {
            backend = options.backend() == BackendKind.REFERENCE ? new ReferenceBackend() : OpenClBackend.open(device);
        } catch (OpenClException e) {
            throw Errors.translate(e);
        }
        try {
            return new Session(backend, model.compile(backend, options.batch(), options.convAlgorithms()));
        } catch (OpenClException e) {
            backend.close();
            throw Errors.translate(e);
        } catch (IllegalArgumentException e) {
            backend.close();
            throw new ModelNotSupportedException(e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            backend.close();
            throw e;
        }
    }

    /**
     * The batch size.
     *
     * @return images every run takes
     */
    public int batch() {
        return plan.batch();
    }

    /**
     * Where it runs.
     *
     * @return "opencl:&lt;device name&gt;" or "reference-java"
     */
    public synchronized String ranOn() {
        return plan.ranOn();
    }

    /**
     * The plan.
     *
     * @return per layer, what will run (and, for AUTO, what was timed and chosen)
     */
    public List<LayerPlan> plan() {
        return plan.layers().stream().map(l -> new LayerPlan(l.node(), l.operator(), l.algorithm(), l.note()))
                .toList();
    }

    /**
     * What compiling cost.
     *
     * @return milliseconds spent building kernels, preparing weights and buffers, and timing AUTO's candidates
     */
    public double compileMs() {
        return plan.preparation().totalMs();
    }

    /**
     * Runs one batch.
     *
     * @param images {@link #batch()} images of C x H x W floats each, row-major (NCHW)
     * @return the last layer's output
     * @throws IllegalArgumentException when {@code images} has the wrong length
     */
    public synchronized Output run(float[] images) {
        checkOpen();
        int[] shape = plan.graph().batchedInputShape(plan.batch());
        if (images.length != imageFloats * plan.batch()) {
            throw new IllegalArgumentException("expected " + plan.batch() + " x " + imageFloats + " = "
                    + imageFloats * plan.batch() + " floats, got " + images.length);
        }
        return run(new Tensor(images.clone(), shape));
    }

    /**
     * Runs one batch read from a NumPy {@code .npy} file of float32 values shaped [batch, C, H, W].
     *
     * @param npy the file
     * @return the last layer's output
     * @throws IllegalArgumentException when the file is missing, not float32, or of another shape
     */
    public synchronized Output run(Path npy) {
        checkOpen();
        return run(Npy.read(npy));
    }

    private Output run(Tensor input) {
        Tensor out;
        try {
            out = plan.run(input);
        } catch (OpenClException e) {
            throw Errors.translate(e);
        }
        return new Output(out.data(), out.shape());
    }

    /**
     * Per-layer timings: timed runs launch without profiling events, so this runs the model once more on the last
     * run's input, which is still on the device, with every launch profiled.
     *
     * @return per layer, what it took in that profiled pass
     * @throws IllegalStateException when nothing has run yet
     */
    public synchronized List<LayerTime> lastTimings() {
        checkOpen();
        if (plan.lastRun() == null) {
            throw new IllegalStateException("no run yet: run the session before asking for its timings");
        }
        // timed runs launch without profiling events; a profiled pass on the same input gives the per-layer times
        GraphRun last = plan.runProfiled();
        return last.layers().stream().map(l -> new LayerTime(l.node(), l.operator(), l.algorithm(), l.kernelMs(),
                l.wallMs())).toList();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("session for " + plan.graph().name() + " is closed");
        }
    }

    /** Releases the device memory, kernels and context. Closing twice does nothing. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                plan.close();
            } finally {
                backend.close();
            }
        }
    }
}
