package dev.tessera.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A benchmark of one prepared convolution layer per (layer, algorithm) pair ({@link PreparedLayer}): subclasses declare
 * the two as JMH parameters and hand them over here. Score: runs per second, with the direct-equivalent GFLOP/s as a
 * secondary figure.
 */
public abstract class PreparedLayerBenchmark {
    private PreparedLayer prepared;

    /** The layer's name in {@link Layers#CONVOLUTIONS}. */
    protected abstract String layer();

    /** The solver's id. */
    protected abstract String algorithm();

    @Setup(Level.Trial)
    public void setUp() {
        prepared = new PreparedLayer(layer(), algorithm());
    }

    @Benchmark
    public void run(GflopCounter counter) {
        prepared.run();
        counter.gflop += prepared.gflopPerRun;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (prepared != null) {
            prepared.close();
            prepared = null;
        }
    }
}
