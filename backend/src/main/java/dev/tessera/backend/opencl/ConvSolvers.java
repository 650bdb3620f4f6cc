package dev.tessera.backend.opencl;

import java.util.List;
import java.util.stream.Collectors;

import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.opencl.gpu.GpuOperatorParameters;
import dev.tessera.opencl.DeviceInfo;

/**
 * The one place convolution solvers are registered. Solvers whose kernels have tunables get the device's tuning here;
 * AUTO considers them in this order.
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
                new WinogradSolver(4, gemm, gpu));
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

    public static String ids(DeviceInfo device) {
        return forDevice(device).stream().map(ConvSolver::id).collect(Collectors.joining(", "));
    }
}
