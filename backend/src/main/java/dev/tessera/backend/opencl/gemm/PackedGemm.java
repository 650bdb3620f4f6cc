package dev.tessera.backend.opencl.gemm;

import java.util.ArrayList;
import java.util.List;

import dev.tessera.backend.opencl.common.OwnedResources;
import dev.tessera.backend.opencl.gpu.XgemmParameters;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClKernel;
import dev.tessera.opencl.ClProgram;
import dev.tessera.opencl.EventTiming;
import dev.tessera.opencl.ProgramSource;

/**
 * Single-precision GEMM over packed operands on one OpenCL context: {@code C = epilogue(A B)}, A of M x K, B of K x N,
 * batched. Pack A and B once with {@link #packA} and {@link #packB} (or write the packed layout directly, as im2col
 * does), then {@link #multiply} as often as needed.
 *
 * <p>Packed layouts ({@code gemm.cl}): packed A is ceil(M/MR) panels of MR rows, element (row, kk) at
 * {@code (i*K + kk)*MR + (row - i*MR)} for panel {@code i = row / MR}, rows past M zero; packed B is ceil(N/NR) panels
 * of NR columns, element (kk, col) at {@code (j*K + kk)*NR + (col - j*NR)} for {@code j = col / NR}, columns past N
 * zero. MR and NR come from the {@link GemmTuning}. The multiply is the CPU family's packed-panel micro-kernel
 * ({@code gemm.cl}) or, when the tuning carries {@link XgemmParameters}, the GPU family's local-memory GEMM
 * ({@code gemm_gpu.cl}) on the same packed layouts.
 *
 * <p>Every method checks its arguments on the host and throws IllegalArgumentException before anything is launched.
 * Every launch blocks until done and returns its timing. Not thread-safe (kernel arguments are state).
 */
public final class PackedGemm implements AutoCloseable {
    private final OwnedResources resources = new OwnedResources();
    private final GemmTuning tuning;
    private final ClKernel packKernel;
    private final ClKernel multiplyKernel;
    private final ClBuffer noBias;

    /** Builds the kernels with the device's default {@link GemmTuning}. */
    public PackedGemm(ClContext context) {
        this(context, GemmTuning.forDevice(context.info()));
    }

    public PackedGemm(ClContext context, GemmTuning tuning) {
        try {
            ClProgram program = resources.add(context.build(ProgramSource.resource("gemm.cl"), tuning.buildOptions()));
            packKernel = resources.add(program.kernel("gemm_pack"));
            if (tuning.xgemm() == null) {
                multiplyKernel = resources.add(program.kernel("gemm_packed"));
            } else {
                requireFits(tuning.xgemm(), null, context);
                ClProgram gpu = resources.add(context.build(ProgramSource.resource("gemm_gpu.cl"),
                        tuning.xgemm().buildOptions()));
                multiplyKernel = resources.add(gpu.kernel("xgemm_packed"));
                requireFits(tuning.xgemm(), multiplyKernel, context);
            }
            noBias = resources.add(context.buffer(Float.BYTES));
        } catch (RuntimeException e) {
            resources.close();
            throw e;
        }
        long limit = tuning.xgemm() == null ? Math.min(multiplyKernel.maxWorkGroupSize(), packKernel.maxWorkGroupSize())
                : packKernel.maxWorkGroupSize();
        this.tuning = tuning.fittedTo(limit, context.info().maxWorkItemSizes());
    }

    /**
     * The GPU GEMM's work-group and local memory against the device's and the built kernel's limits
     * (CL_KERNEL_WORK_GROUP_SIZE, CL_KERNEL_LOCAL_MEM_SIZE; {@code kernel} null before the build: the device's
     * only): an IllegalArgumentException with the reasons when they do
     * not fit, before anything is launched.
     */
    private static void requireFits(XgemmParameters xgemm, ClKernel kernel, ClContext context) {
        List<String> problems = new ArrayList<>(xgemm.problemsOn(context.info()));
        if (kernel == null) {
            // before the build: the device's limits only
        } else if (xgemm.workGroupSize() > kernel.maxWorkGroupSize()) {
            problems.add("work-groups of " + xgemm.workGroupSize() + " items exceed the kernel's limit of "
                    + kernel.maxWorkGroupSize() + " on this device");
        }
        if (kernel != null && kernel.localMemBytes() > context.info().localMemBytes()) {
            problems.add("the kernel uses " + kernel.localMemBytes() + " bytes of local memory, the device has "
                    + context.info().localMemBytes());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("GPU GEMM " + xgemm + " cannot run on " + context.info().name() + ": "
                    + String.join("; ", problems));
        }
    }

    /** The tuning in use; its work-groups fit this device's limits for these kernels. */
    public GemmTuning tuning() {
        return tuning;
    }

    /** Floats a packed A of {@code m} x {@code k} occupies: ceil(m / MR) * MR * k. */
    public long packedASize(int m, int k) {
        return tuning.packedASize(m, k);
    }

    /** Floats a packed B of {@code k} x {@code n} occupies: ceil(n / NR) * NR * k. */
    public long packedBSize(int k, int n) {
        return tuning.packedBSize(k, n);
    }

    /** Packs {@code a} (M = a.rows() x K = a.columns()) into {@code packed} from element {@code packedOffset} on. */
    public EventTiming packA(StridedMatrix a, ClBuffer packed, long packedOffset) {
        return pack(a, a.rows(), a.columns(), a.rowStride(), a.columnStride(), tuning.mr(), packed, packedOffset,
                packedASize(a.rows(), a.columns()), "packed A");
    }

    /** Packs {@code b} (K = b.rows() x N = b.columns()) into {@code packed} from element {@code packedOffset} on. */
    public EventTiming packB(StridedMatrix b, ClBuffer packed, long packedOffset) {
        return pack(b, b.columns(), b.rows(), b.columnStride(), b.rowStride(), tuning.nr(), packed, packedOffset,
                packedBSize(b.rows(), b.columns()), "packed B");
    }

    /** Packs {@code source}, whose lanes (rows of A, columns of B) become panels of {@code width}. */
    private EventTiming pack(StridedMatrix source, int lanes, int depth, int laneStride, int depthStride, int width,
            ClBuffer packed, long packedOffset, long packedSize, String what) {
        BufferBounds.require(source.buffer(), source.end(), what + " source");
        BufferBounds.require(packed, nonNegative(packedOffset, what + " offset") + packedSize, what);
        packKernel.arg(0, source.buffer())
                .arg(1, BufferBounds.index(source.offset(), "source offset"))
                .arg(2, laneStride)
                .arg(3, depthStride)
                .arg(4, lanes)
                .arg(5, depth)
                .arg(6, width)
                .arg(7, packed)
                .arg(8, (int) packedOffset);
        return packKernel.run(tuning.packingRange(depth, lanes, width, 1), tuning.packingWorkGroup());
    }

    /**
     * C = epilogue(A B) for every product of {@code batch}: A of {@code m} x {@code k} packed at {@code packedA} from
     * element {@code offsetA}, B of {@code k} x {@code n} packed at {@code packedB} from {@code offsetB}, C row-major
     * with leading dimension {@code ldc} from element {@code offsetC}. Only rows below m and columns below n of C are
     * written; the C regions of the products must not overlap.
     */
    public EventTiming multiply(int m, int n, int k, ClBuffer packedA, long offsetA, ClBuffer packedB, long offsetB,
            ClBuffer c, long offsetC, int ldc, GemmEpilogue epilogue, GemmBatch batch) {
        if (epilogue == null || batch == null) {
            throw new IllegalArgumentException("epilogue and batch must not be null (use GemmEpilogue.NONE and"
                    + " GemmBatch.SINGLE)");
        }
        if (ldc < n) {
            throw new IllegalArgumentException("ldc " + ldc + " is below n " + n);
        }
        long last = batch.count() - 1L;
        BufferBounds.require(packedA, nonNegative(offsetA, "offset of A") + last * batch.strideA()
                + packedASize(m, k), "packed A");
        BufferBounds.require(packedB, nonNegative(offsetB, "offset of B") + last * batch.strideB()
                + packedBSize(k, n), "packed B");
        BufferBounds.require(c, nonNegative(offsetC, "offset of C") + last * batch.strideC() + (m - 1L) * ldc + n, "C");
        ClBuffer bias = noBias;
        if (epilogue.bias() != GemmEpilogue.Bias.NONE) {
            bias = epilogue.biasBuffer();
            long values = epilogue.bias() == GemmEpilogue.Bias.PER_ROW ? m : n;
            BufferBounds.require(bias, epilogue.biasOffset() + last * batch.strideBias() + values, "bias");
        }
        // strides only matter between products; a single product's may be anything
        boolean single = batch.count() == 1;
        multiplyKernel.arg(0, m).arg(1, n).arg(2, k)
                .arg(3, packedA).arg(4, (int) offsetA)
                .arg(5, single ? 0 : BufferBounds.index(batch.strideA(), "A stride"))
                .arg(6, packedB).arg(7, (int) offsetB)
                .arg(8, single ? 0 : BufferBounds.index(batch.strideB(), "B stride"))
                .arg(9, c).arg(10, (int) offsetC).arg(11, ldc)
                .arg(12, single ? 0 : BufferBounds.index(batch.strideC(), "C stride"))
                .arg(13, bias).arg(14, (int) epilogue.biasOffset())
                .arg(15, single ? 0 : BufferBounds.index(batch.strideBias(), "bias stride"))
                .arg(16, epilogue.bias().ordinal())
                .arg(17, epilogue.relu() ? 1 : 0)
                .arg(18, epilogue.accumulate() ? 1 : 0);
        return multiplyKernel.run(tuning.multiplyRange(m, n, batch.count()), tuning.multiplyWorkGroup());
    }

    private static long nonNegative(long value, String what) {
        if (value < 0) {
            throw new IllegalArgumentException(what + " must not be negative: " + value);
        }
        return value;
    }

    /** Releases the kernels, the program and the buffers this object created (not the caller's). */
    @Override
    public void close() {
        resources.close();
    }
}
