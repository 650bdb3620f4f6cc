package dev.tessera.backend.opencl.conv;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.opencl.KernelSelection;
import dev.tessera.backend.opencl.gemm.GemmTuning;
import dev.tessera.backend.opencl.gpu.GpuOperatorParameters;
import dev.tessera.opencl.DeviceInfo;
import dev.tessera.opencl.ProgramSource;
import dev.tessera.opencl.Sha256;

/**
 * The one place convolution solvers are registered. Solvers whose kernels have tunables get the device's tuning here;
 * AUTO ({@link ConvSolverFinder}) considers them in this order after the {@link #defaultFor default}.
 */
public final class ConvSolvers {
    private ConvSolvers() {
    }

    /** Every solver, configured for {@code device} with the CPU family's kernels. */
    public static List<ConvSolver> forDevice(DeviceInfo device) {
        return forDevice(device, KernelSelection.CPU);
    }

    /** Every solver, configured for {@code device} with the kernels of {@code kernels}. */
    public static List<ConvSolver> forDevice(DeviceInfo device, KernelSelection kernels) {
        GemmTuning gemm = kernels.gemmTuning(device);
        ConvSolver direct = kernels.operators() == null ? new DirectConvSolver()
                : new GpuDirectConvSolver(kernels.operators().parameters());
        GpuOperatorParameters gpu = kernels.operators() == null ? null : kernels.operators().parameters();
        return List.of(direct, new Im2colGemmSolver(gemm), new WinogradSolver(2, gemm, gpu),
                new WinogradSolver(4, gemm, gpu), new WinogradFusedSolver(2), new WinogradFusedSolver(4), new NchwcDirectSolver());
    }

    /** The solver for an explicit algorithm (not AUTO) on {@code device}. */
    public static ConvSolver forAlgorithm(ConvAlgorithm algorithm, DeviceInfo device) {
        return forAlgorithm(algorithm, device, KernelSelection.CPU);
    }

    /** The solver for an explicit algorithm (not AUTO) on {@code device} with the kernels of {@code kernels}. */
    public static ConvSolver forAlgorithm(ConvAlgorithm algorithm, DeviceInfo device, KernelSelection kernels) {
        if (algorithm == ConvAlgorithm.AUTO) {
            throw new IllegalArgumentException("AUTO is not a solver; it chooses among " + ids(device));
        }
        return byId(algorithm.id(), device, kernels);
    }

    public static ConvSolver byId(String id, DeviceInfo device) {
        return byId(id, device, KernelSelection.CPU);
    }

    public static ConvSolver byId(String id, DeviceInfo device, KernelSelection kernels) {
        return forDevice(device, kernels).stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow(
                () -> new IllegalArgumentException("no convolution solver '" + id + "'; registered: " + ids(device)));
    }

    /**
     * The solver AUTO keeps unless another beats it by {@link ConvSolverFinder#MARGIN}: im2col + GEMM (it runs every
     * problem the device can hold), else direct.
     */
    public static ConvSolver defaultFor(ConvProblem problem, DeviceInfo device) {
        return defaultFor(problem, device, KernelSelection.CPU);
    }

    /** {@link #defaultFor(ConvProblem, DeviceInfo)} among the solvers of the kernel family {@code kernels}. */
    public static ConvSolver defaultFor(ConvProblem problem, DeviceInfo device, KernelSelection kernels) {
        ConvSolver im2col = byId(Im2colGemmSolver.ID, device, kernels);
        return im2col.isApplicable(problem, device) ? im2col : byId(DirectConvSolver.ID, device, kernels);
    }

    private static final Map<String, String> SOURCE_HASHES = new ConcurrentHashMap<>();

    /**
     * What AUTO's choices on {@code device} depend on besides the problem: every registered solver's id, version and
     * the SHA-256 of its kernel sources (headers inlined). The tuning database keys its entries by it.
     */
    public static String fingerprint(DeviceInfo device) {
        return fingerprint(device, KernelSelection.CPU);
    }

    /** {@link #fingerprint(DeviceInfo)} of the solvers of the kernel family {@code kernels}. */
    public static String fingerprint(DeviceInfo device, KernelSelection kernels) {
        return fingerprint(forDevice(device, kernels),
                file -> SOURCE_HASHES.computeIfAbsent(file, f -> Sha256.hex(ProgramSource.resource(f).text())));
    }

    /** {@link #fingerprint(DeviceInfo)} of {@code solvers}, with {@code sourceHash} giving each kernel file's hash. */
    static String fingerprint(List<ConvSolver> solvers, Function<String, String> sourceHash) {
        return Sha256.hex(solvers.stream()
                .map(s -> s.id() + " v" + s.version() + " "
                        + s.kernelFiles().stream().map(f -> f + "=" + sourceHash.apply(f))
                                .collect(Collectors.joining(",")))
                .collect(Collectors.joining("\n"))).substring(0, 16);
    }

    public static String ids(DeviceInfo device) {
        return forDevice(device).stream().map(ConvSolver::id).collect(Collectors.joining(", "));
    }
}
