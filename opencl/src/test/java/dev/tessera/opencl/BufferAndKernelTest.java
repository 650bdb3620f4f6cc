package dev.tessera.opencl;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BufferAndKernelTest {
    private static final String SAXPY = """
            __kernel void saxpy(__global const float *x, __global float *y, const float a, const int n) {
                const int i = (int)get_global_id(0);
                if (i < n) {
                    y[i] = a * x[i] + y[i];
                }
            }
            """;

    private static ClContext context;

    @BeforeAll
    static void open() {
        context = ClContext.open(TestDevices.device(), ProgramCache.disabled());
    }

    @AfterAll
    static void close() {
        context.close();
    }

    @Test
    void aBufferPastTheDevicesLargestAllocationIsRefusedWithTheFigures() {
        long tooLarge = context.info().maxAllocBytes() + 4;
        long buffers = LiveResources.buffers();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> context.buffer(tooLarge));
        assertTrue(e.getMessage().contains("CL_DEVICE_MAX_MEM_ALLOC_SIZE"), e.getMessage());
        assertEquals(buffers, LiveResources.buffers(), "nothing was created");
    }

    @Test
    void newBuffersArePoisonedWithNaNInTests() {
        // the build sets tessera.debug.poison-buffers for every test, so a kernel that reads memory nothing wrote
        // spreads NaN into results that are compared against the reference
        assertTrue(Boolean.getBoolean(ClContext.POISON_PROPERTY), "the test run must poison new buffers");
        try (ClBuffer b = context.buffer(4L * 37)) {
            for (float v : b.readFloats()) {
                assertTrue(Float.isNaN(v));
            }
        }
    }

    @Test
    void bufferRoundTripKeepsEveryBit() {
        float[] data = new float[10_001];
        Random random = new Random(7);
        for (int i = 0; i < data.length; i++) {
            data[i] = Float.intBitsToFloat(random.nextInt() & 0xbf7fffff); // finite values of every magnitude
        }
        try (ClBuffer buffer = context.buffer(data)) {
            assertEquals(4L * data.length, buffer.bytes());
            assertArrayEquals(data, buffer.readFloats());
            float[] middle = {1.5f, -2.25f, 3.125f};
            buffer.write(middle, 5000);
            float[] back = new float[3];
            buffer.read(back, 5000);
            assertArrayEquals(middle, back);
            assertEquals(data[4999], buffer.readFloats()[4999]);
            buffer.fill(-0.5f);
            for (float v : buffer.readFloats()) {
                assertEquals(-0.5f, v);
            }
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.write(new float[4], data.length - 3));
        }
    }

    @Test
    void kernelMatchesJavaWithinOneRounding() {
        int n = 4099; // not a multiple of any work-group size
        Random random = new Random(11);
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextFloat() * 8 - 4;
            y[i] = random.nextFloat() * 8 - 4;
        }
        float a = 1.75f;
        try (ClProgram program = context.build(ProgramSource.of("saxpy.cl", SAXPY), "");
                ClKernel kernel = program.kernel("saxpy");
                ClBuffer xb = context.buffer(x);
                ClBuffer yb = context.buffer(y)) {
            kernel.arg(0, xb).arg(1, yb).arg(2, a).arg(3, n);
            EventTiming timing = kernel.run(new long[] {4160}, null);
            float[] result = yb.readFloats();
            for (int i = 0; i < n; i++) {
                double exact = (double) a * x[i] + y[i];
                // the device may or may not fuse the multiply-add: allow the one rounding of the unfused form
                assertEquals(exact, result[i], Math.ulp((float) exact) + Math.ulp(a * x[i]), "element " + i);
            }
            assertTrue(timing.queuedNs() <= timing.submitNs() && timing.submitNs() <= timing.startNs()
                    && timing.startNs() <= timing.endNs(), timing.toString());
            assertTrue(timing.wallNs() > 0);
        }
    }

    @Test
    void queuedLaunchesRunInOrderAndKeepTheArgumentsOfEachLaunch() {
        int n = 1000;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i * 0.5f - 7;
        }
        long events = LiveResources.events();
        try (ClProgram program = context.build(ProgramSource.of("saxpy.cl", SAXPY), "");
                ClKernel kernel = program.kernel("saxpy");
                ClBuffer xb = context.buffer(x);
                ClBuffer yb = context.buffer(new float[n])) {
            float[] factors = {1.0f, 2.0f, -0.25f};
            List<EventTiming> timings;
            try (QueuedLaunches queued = context.queueLaunches()) {
                assertThrows(IllegalStateException.class, context::queueLaunches, "one stretch at a time");
                for (float a : factors) {
                    // the argument changes between launches that have not run yet: each launch keeps its own
                    assertSame(EventTiming.QUEUED, kernel.arg(2, a).arg(0, xb).arg(1, yb).arg(3, n)
                            .run(new long[] {1024}, new long[] {64}));
                }
                assertEquals(factors.length, queued.size());
                timings = queued.finish();
            }
            assertEquals(factors.length, timings.size());
            for (int i = 0; i < timings.size(); i++) {
                EventTiming t = timings.get(i);
                assertTrue(t.startNs() <= t.endNs() && t.endNs() > 0, t.toString());
                if (i > 0) {
                    assertTrue(timings.get(i - 1).endNs() <= t.startNs(), "in order: " + timings);
                }
            }
            float[] y = yb.readFloats();
            for (int i = 0; i < n; i++) {
                // y = x + 2x - x/4, each step exact in float for these values
                assertEquals(2.75f * x[i], y[i], Math.ulp(2.75f * x[i]) * 2, "element " + i);
            }
            // closed: launches block again
            EventTiming blocking = kernel.run(new long[] {1024}, new long[] {64});
            assertNotSame(EventTiming.QUEUED, blocking);
            assertTrue(blocking.endNs() > 0);
        }
        assertEquals(events, LiveResources.events(), "every queued event released");
    }

    @Test
    void unprofiledLaunchesCreateNoEventsAndWritesWithoutBlockingLandBeforeTheKernels() {
        int n = 777;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i * 0.25f - 3;
        }
        java.nio.FloatBuffer staging = java.nio.ByteBuffer.allocateDirect(4 * n)
                .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
        staging.put(x).flip();
        long events = LiveResources.events();
        try (ClProgram program = context.build(ProgramSource.of("saxpy.cl", SAXPY), "");
                ClKernel kernel = program.kernel("saxpy");
                ClBuffer xb = context.buffer(4L * n);
                ClBuffer other = context.buffer(4L * n);
                ClBuffer yb = context.buffer(new float[n])) {
            assertThrows(IllegalArgumentException.class, () -> xb.writeWithoutBlocking(java.nio.FloatBuffer.wrap(x)));
            List<EventTiming> timings;
            try (QueuedLaunches queued = context.queueLaunches(false)) {
                assertFalse(queued.profiled());
                xb.writeWithoutBlocking(staging);
                // re-binding the same buffers (as prepared steps do before every launch) is skipped, a new one is not
                kernel.arg(0, other).arg(0, xb).arg(1, yb).arg(2, 3.0f).arg(3, n);
                for (int i = 0; i < 2; i++) {
                    assertSame(EventTiming.QUEUED, kernel.arg(0, xb).arg(1, yb).run(new long[] {832}, new long[] {64}));
                }
                assertEquals(2, queued.size());
                assertEquals(events, LiveResources.events(), "no event created");
                float[] y = new float[n];
                yb.read(y); // the one blocking read waits for the write and both launches (in-order queue)
                for (int i = 0; i < n; i++) {
                    assertEquals(6.0f * x[i], y[i], Math.ulp(6.0f * x[i]) * 2, "element " + i);
                }
                timings = queued.finish();
            }
            assertTrue(timings.isEmpty(), "an unprofiled stretch has no timings");
        }
        assertEquals(events, LiveResources.events());
    }

    @Test
    void probeKernelPerformsTheMultiplyAddsItCounts() {
        int width = 4;
        int accumulators = 8;
        int iterations = 5;
        long global = 16;
        String options = "-DVECTOR_WIDTH=" + width + " -DACCUMULATORS=" + accumulators + " -DMULTIPLY_ADD=fma";
        try (ClProgram program = context.build(ProgramSource.resource("probe_peak.cl"), options);
                ClKernel kernel = program.kernel("peak_multiply_add");
                ClBuffer out = context.buffer(global * width * 4)) {
            float a = 0.75f;
            float b = 0.125f;
            kernel.arg(0, out).arg(1, a).arg(2, b).arg(3, iterations).run(new long[] {global}, null);
            float[] result = out.readFloats();
            for (int g = 0; g < global; g++) {
                float seed = (float) (g & 1023) * 1e-6f;
                float total = 0;
                for (int chain = 0; chain < accumulators; chain++) {
                    float acc = seed + (float) chain * 0.01f;
                    for (int step = 0; step < iterations * 4; step++) {
                        acc = Math.fma(acc, a, b);
                    }
                    total += acc;
                }
                for (int lane = 0; lane < width; lane++) {
                    assertEquals(total, result[g * width + lane], 1e-5f, "work-item " + g + " lane " + lane);
                }
            }
        }
    }

    @Test
    void bandwidthKernelsReadAndCopyEveryElement() {
        int width = 4;
        int elements = 1024; // float4 elements
        float[] data = new float[elements * width];
        for (int i = 0; i < data.length; i++) {
            data[i] = i % 97;
        }
        try (ClProgram program = context.build(ProgramSource.resource("probe_bandwidth.cl"), "-DVECTOR_WIDTH=4");
                ClKernel copy = program.kernel("copy_vector");
                ClKernel tiled = program.kernel("read_tiled");
                ClKernel blocked = program.kernel("read_blocked");
                ClBuffer src = context.buffer(data);
                ClBuffer dst = context.buffer(4L * data.length)) {
            copy.arg(0, src).arg(1, dst).run(new long[] {elements}, null);
            assertArrayEquals(data, dst.readFloats());
            int readers = 64;
            int perItem = elements / readers;
            double expected = 0;
            for (float v : data) {
                expected += v;
            }
            for (ClKernel read : new ClKernel[] {tiled, blocked}) {
                dst.fill(0);
                read.arg(0, src).arg(1, dst).arg(2, perItem).run(new long[] {readers}, new long[] {16});
                float[] sums = dst.readFloats();
                double total = 0;
                for (int i = 0; i < readers * width; i++) {
                    total += sums[i];
                }
                assertEquals(expected, total, 0.0, read.name() + " reads every element once");
            }
        }
    }
}
