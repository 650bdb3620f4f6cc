package dev.tessera.bench.harness;

import java.io.PrintWriter;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** What the harness tells the user while it runs: the configuration it is on and how far it has got. */
public interface Progress {
    /** {@code total}: the summed weights of every configuration. */
    void begin(long total);

    /** A configuration starts. */
    void step(String label);

    /** The configuration finished with {@code status}; {@code weight} of the total is done. */
    void advance(long weight, String status);

    void close();

    /** Says nothing. */
    static Progress silent() {
        return new Progress() {
            @Override
            public void begin(long total) {
            }

            @Override
            public void step(String label) {
            }

            @Override
            public void advance(long weight, String status) {
            }

            @Override
            public void close() {
            }
        };
    }

    /** One line per finished configuration on {@code err} (for logs and pipes). */
    static Progress lines(PrintWriter err) {
        return new Progress() {
            private long total;
            private long done;
            private String label = "";
            private final long start = System.nanoTime();

            @Override
            public void begin(long t) {
                total = Math.max(1, t);
            }

            @Override
            public void step(String l) {
                label = l;
            }

            @Override
            public void advance(long weight, String status) {
                done += weight;
                double elapsed = (System.nanoTime() - start) / 1e9;
                err.printf("tessera bench: %3d%% %s: %s (%.0f s)%n", 100 * done / total, label, status, elapsed);
                err.flush();
            }

            @Override
            public void close() {
            }
        };
    }

    /** A progress bar on the terminal (stderr) with the current configuration and the ETA. */
    static Progress bar() {
        return new Progress() {
            private ProgressBar bar;

            @Override
            public void begin(long total) {
                bar = new ProgressBarBuilder().setTaskName("bench").setInitialMax(Math.max(1, total))
                        .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                        .setUpdateIntervalMillis(500).build();
                bar.setExtraMessage("");
            }

            @Override
            public void step(String label) {
                bar.setExtraMessage(label);
            }

            @Override
            public void advance(long weight, String status) {
                bar.stepBy(weight);
            }

            @Override
            public void close() {
                if (bar != null) {
                    bar.close();
                }
            }
        };
    }
}
