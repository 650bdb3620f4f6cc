package dev.tessera.backend.opencl;

import java.util.List;
import java.util.stream.Collectors;

import dev.tessera.backend.ConvAlgorithm;

/** The one place convolution solvers are registered. AUTO considers them in this order. */
public final class ConvSolvers {
    private static final List<ConvSolver> ALL = List.of(new DirectConvSolver());

    private ConvSolvers() {
    }

    public static List<ConvSolver> all() {
        return ALL;
    }

    /** The solver for an explicit algorithm (not AUTO). */
    public static ConvSolver forAlgorithm(ConvAlgorithm algorithm) {
        if (algorithm == ConvAlgorithm.AUTO) {
            throw new IllegalArgumentException("AUTO is not a solver; it chooses among " + ids());
        }
        return byId(algorithm.id());
    }

    public static ConvSolver byId(String id) {
        return ALL.stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow(
                () -> new IllegalArgumentException("no convolution solver '" + id + "'; registered: " + ids()));
    }

    public static String ids() {
        return ALL.stream().map(ConvSolver::id).collect(Collectors.joining(", "));
    }
}
