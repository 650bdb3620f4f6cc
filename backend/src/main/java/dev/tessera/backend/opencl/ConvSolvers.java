package dev.tessera.backend.opencl;

import java.util.List;
import java.util.stream.Collectors;

import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.opencl.DeviceInfo;

/**
 * The one place convolution solvers are registered. Solvers whose kernels have tunables get the device's tuning here;
 * AUTO considers them in this order.
 */
public final class ConvSolvers {
    private ConvSolvers() {
    }

    /** Every solver, configured for {@code device}. */
    public static List<ConvSolver> forDevice(DeviceInfo device) {
        return List.of(new DirectConvSolver(), Im2colGemmSolver.forDevice(device), new WinogradSolver(2),
                new WinogradSolver(4));
    }

    /** The solver for an explicit algorithm (not AUTO) on {@code device}. */
    public static ConvSolver forAlgorithm(ConvAlgorithm algorithm, DeviceInfo device) {
        if (algorithm == ConvAlgorithm.AUTO) {
            throw new IllegalArgumentException("AUTO is not a solver; it chooses among " + ids(device));
        }
        return byId(algorithm.id(), device);
    }

    public static ConvSolver byId(String id, DeviceInfo device) {
        return forDevice(device).stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow(
                () -> new IllegalArgumentException("no convolution solver '" + id + "'; registered: " + ids(device)));
    }

    public static String ids(DeviceInfo device) {
        return forDevice(device).stream().map(ConvSolver::id).collect(Collectors.joining(", "));
    }
}
