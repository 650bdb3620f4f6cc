package dev.tessera.aparapi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.aparapi.Kernel;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.OpResult;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.SelfTest;
import dev.tessera.backend.reference.ReferenceBackend;

/**
 * The fallback detection, proved with a kernel Aparapi cannot translate: reported as {@code java-thread-pool} (never as
 * OpenCL) when allowed, an error naming the kernel and Aparapi's reason when forbidden; and the kernel dump.
 */
class AparapiFallbackTest {
    /** Aparapi cannot translate this: it builds an array inside the kernel (OpenCL has no {@code new}). */
    static final class AllocatingKernel extends Kernel {
        float[] y = new float[1];

        @Override
        public void run() {
            int i = getGlobalId();
            float[] pair = {1f, 2f};
            y[i] = pair[i % 2];
        }
    }

    private static LaunchPlan allocatingPlan(AparapiBackend backend, AllocatingKernel kernel) {
        kernel.y = new float[KernelLauncher.LOCAL_1D];
        return new LaunchPlan(kernel.y, "allocating", "").execute(kernel,
                backend.launcher().range1d(KernelLauncher.LOCAL_1D));
    }

    @Test
    void anUntranslatableKernelIsReportedAsRunInTheJavaThreadPool() {
        try (AparapiBackend backend = AparapiBackend.open(AparapiTestDevices.device(),
                AparapiBackend.Options.defaults())) {
            AllocatingKernel kernel = new AllocatingKernel();
            OpResult result = backend.run(allocatingPlan(backend, kernel), new int[] {KernelLauncher.LOCAL_1D},
                    System.nanoTime());
            assertEquals("java-thread-pool", result.ranOn());
            assertTrue(result.note().contains("AllocatingKernel") && result.note().contains("thread pool"),
                    result.note());
            assertTrue(Double.isNaN(result.kernelMs()), "no device time for a Java run");
            for (int i = 0; i < KernelLauncher.LOCAL_1D; i++) {
                assertEquals(i % 2 == 0 ? 1f : 2f, result.output().data()[i], "Java computed element " + i);
            }
            kernel.dispose();
            // the backend's own kernels still run on the device afterwards
            Tensor x = Tensor.random(1, -1, 1, 2, 3, 4, 5);
            OpResult relu = backend.run(new Operator.Relu(), List.of(x));
            assertEquals("opencl:" + backend.device(), relu.ranOn());
        }
    }

    @Test
    void aForbiddenFallbackIsAnErrorThatSaysWhy() {
        try (AparapiBackend backend = AparapiBackend.open(AparapiTestDevices.device(),
                new AparapiBackend.Options(false, null))) {
            AllocatingKernel kernel = new AllocatingKernel();
            LaunchPlan plan = allocatingPlan(backend, kernel);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> backend.run(plan, new int[] {KernelLauncher.LOCAL_1D}, System.nanoTime()));
            assertTrue(e.getMessage().contains("AllocatingKernel") && e.getMessage().contains("forbidden")
                    && e.getMessage().contains("cannot be translated"), e.getMessage());
            assertArrayEquals(new float[KernelLauncher.LOCAL_1D], kernel.y, "nothing ran in Java");
            kernel.dispose();
        }
    }

    @Test
    void dumpKernelsWritesTheGeneratedOpenClAndTheResultsStayRight(@TempDir Path dir) throws IOException {
        ReferenceBackend reference = new ReferenceBackend();
        SelfTest.ConvCase conv = SelfTest.convCases().get(0);
        try (AparapiBackend backend = AparapiBackend.open(AparapiTestDevices.device(),
                new AparapiBackend.Options(true, dir))) {
            for (ConvAlgorithm algorithm : List.of(ConvAlgorithm.DIRECT, ConvAlgorithm.IM2COL)) {
                Operator op = conv.op();
                OpResult result = backend.run(op, conv.inputs(), algorithm);
                assertEquals(algorithm.id(), result.algorithm());
                assertEquals("opencl:" + backend.device(), result.ranOn());
                assertTrue(Accuracy.of(result.output(), reference.run(op, conv.inputs()).output())
                        .relativeL2() < 1e-5);
            }
            backend.run(allocatingPlan(backend, new AllocatingKernel()), new int[] {KernelLauncher.LOCAL_1D},
                    System.nanoTime());
        }
        String gemm = Files.readString(dir.resolve("GemmKernel.cl"));
        assertTrue(gemm.contains("__kernel void run(") && gemm.contains("__local")
                && gemm.contains("barrier(CLK_LOCAL_MEM_FENCE)"), gemm);
        assertTrue(Files.readString(dir.resolve("ConvDirectKernel.cl")).contains("__kernel void run("));
        assertTrue(Files.readString(dir.resolve("Im2colKernel.cl")).contains("__kernel void run("));
        assertTrue(Files.readString(dir.resolve("AllocatingKernel.cl")).contains("could not translate"));
    }
}
