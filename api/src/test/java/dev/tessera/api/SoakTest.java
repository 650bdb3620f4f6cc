package dev.tessera.api;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.tessera.opencl.LiveResources;

/**
 * Soak through the public API: many forward passes of one {@link Session}, first from one thread, then from four
 * threads sharing it. Every output must be bit for bit the output the single-threaded warm-up gave for the same
 * input; the device objects the session holds must not change in number while it runs; closing it must bring
 * {@link LiveResources} back to where it was; and the heap after a collection must not grow after the warm-up.
 * Resident memory is recorded (it is the JVM's and the driver's, so only a loose bound is checked).
 *
 * <p>CI runs small counts (LeNet-5 600 passes, ResNet-18 at 32x32 60). {@code scripts/soak} runs the full soak of
 * docs/RELIABILITY.md: 10,000 LeNet-5 passes and 300 ResNet-18 passes at 224x224, through the system properties
 * {@code soak.lenet5}, {@code soak.resnet18} and {@code soak.resnet18.size}.
 */
class SoakTest {
    private static final int THREADS = 4;
    /** Distinct inputs cycled through; each one's output is known from the warm-up. */
    private static final int INPUTS = 8;

    @Test
    void lenet5() throws Exception {
        soak(Network.zoo("lenet5").withSeededWeights(3), Integer.getInteger("soak.lenet5", 600), Algorithm.AUTO);
    }

    @Test
    void resnet18() throws Exception {
        int size = Integer.getInteger("soak.resnet18.size", 32);
        soak(Network.zoo("resnet18", size).withSeededWeights(3), Integer.getInteger("soak.resnet18", 60),
                Algorithm.IM2COL);
    }

    private static void soak(Network network, int passes, Algorithm algorithm) throws Exception {
        String before = LiveResources.summary();
        float[][] inputs = new float[INPUTS][];
        Random random = new Random(17);
        for (int i = 0; i < INPUTS; i++) {
            inputs[i] = new float[network.inputSize()];
            for (int j = 0; j < inputs[i].length; j++) {
                inputs[i][j] = random.nextFloat();
            }
        }
        int warmUp = Math.max(INPUTS, passes / 10);
        int single = passes / 2;
        List<String> checkpoints = new ArrayList<>();
        long start = System.nanoTime();
        try (Session session = network.compile(Devices.first(), CompileOptions.defaults().algorithm(algorithm))) {
            String held = LiveResources.summary();
            float[][] expected = new float[INPUTS][];
            for (int i = 0; i < warmUp; i++) {
                float[] out = session.run(inputs[i % INPUTS]).values();
                if (expected[i % INPUTS] == null) {
                    expected[i % INPUTS] = out;
                } else {
                    assertArrayEquals(expected[i % INPUTS], out, "warm-up pass " + i);
                }
            }
            Memory afterWarmUp = Memory.now();
            checkpoints.add("after warm-up (" + warmUp + " passes): " + afterWarmUp);
            List<Long> rssMiB = java.util.Collections.synchronizedList(new ArrayList<>());
            int every = Math.max(1, passes / 20);
            for (int i = warmUp; i < single; i++) {
                assertArrayEquals(expected[i % INPUTS], session.run(inputs[i % INPUTS]).values(), "pass " + i);
                if (i % every == 0) {
                    rssMiB.add(Memory.rss() >> 20);
                }
            }
            assertEquals(held, LiveResources.summary(), "device objects while running");
            Memory afterSingle = Memory.now();
            checkpoints.add("after " + single + " single-threaded passes: " + afterSingle);

            AtomicInteger next = new AtomicInteger(single);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<Integer>> workers = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    workers.add(pool.submit(() -> {
                        int done = 0;
                        for (int i = next.getAndIncrement(); i < passes; i = next.getAndIncrement()) {
                            assertArrayEquals(expected[i % INPUTS], session.run(inputs[i % INPUTS]).values(),
                                    "pass " + i + " on " + Thread.currentThread().getName());
                            done++;
                            if (i % every == 0) {
                                rssMiB.add(Memory.rss() >> 20);
                            }
                        }
                        return done;
                    }));
                }
                int shared = 0;
                for (Future<Integer> w : workers) {
                    shared += w.get();
                }
                assertEquals(passes - single, shared);
            } finally {
                pool.shutdownNow();
            }
            assertEquals(held, LiveResources.summary(), "device objects while running");
            Memory end = Memory.now();
            checkpoints.add("after " + (passes - single) + " passes from " + THREADS + " threads: " + end);
            rssMiB.add(Memory.rss() >> 20);
            checkpoints.add("resident MiB every " + every + " passes after the warm-up (the threads from sample "
                    + (single - warmUp) / every + " on): " + rssMiB);
            long heapGrowth = end.heapBytes - afterWarmUp.heapBytes;
            assertTrue(heapGrowth < 16L << 20, "heap grew by " + heapGrowth + " bytes after the warm-up");
            if (afterWarmUp.rssBytes > 0) {
                long rssGrowth = end.rssBytes - afterWarmUp.rssBytes;
                assertTrue(rssGrowth < Math.max(256L << 20, afterWarmUp.rssBytes / 4),
                        "resident memory grew by " + rssGrowth + " bytes after the warm-up");
            }
        }
        assertEquals(before, LiveResources.summary(), "after close");
        System.out.printf(Locale.ROOT, "soak %s: %d passes (%d single-threaded, %d from %d threads sharing one "
                + "session), every output identical to the single-threaded one, %.0f s; %s; LiveResources after "
                + "close: %s%n", network.name(), passes, single, passes - single, THREADS,
                (System.nanoTime() - start) / 1e9, String.join("; ", checkpoints), LiveResources.summary());
    }

    /** Heap used after a full collection, and the process's resident set (VmRSS; -1 where /proc is missing). */
    private record Memory(long heapBytes, long rssBytes) {
        static Memory now() {
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            return new Memory(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), rss());
        }

        static long rss() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // not Linux: resident memory is not recorded
            }
            return -1;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "heap %.1f MiB, resident %.0f MiB", heapBytes / 1048576.0,
                    rssBytes / 1048576.0);
        }
    }
}
