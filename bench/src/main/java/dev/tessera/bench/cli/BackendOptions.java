package dev.tessera.bench.cli;

import java.util.List;
import java.util.Locale;

import dev.tessera.backend.Backend;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The backend options of the commands that run something ({@code op}, {@code run}, {@code train}), declared once:
 * {@code --backend}, the device ({@link DeviceOption}) and the aparapi backend's options ({@link AparapiOptions}).
 * Each command gives its default and the backends it accepts.
 */
final class BackendOptions {
    @Option(names = "--backend", paramLabel = "NAME", description = "opencl (the hand-written kernels), aparapi "
            + "(Aparapi's Java kernels) or reference (double accumulation, deterministic); train takes reference or "
            + "opencl. Default: ${DEFAULT-VALUE}.")
    String backend;

    @Mixin
    AparapiOptions aparapi = new AparapiOptions();

    @Mixin
    DeviceOption device;

    private final List<String> accepted;

    BackendOptions(String defaultBackend, String defaultDevice, String... accepted) {
        this.backend = defaultBackend;
        this.device = new DeviceOption(defaultDevice);
        this.accepted = List.of(accepted);
    }

    /** For op and run: opencl by default, on device 0; any of the three backends. */
    static BackendOptions anyBackend() {
        return new BackendOptions("opencl", "0", "opencl", "aparapi", "reference");
    }

    /** The chosen backend's name, lower case; an error naming the accepted ones when it is not one of them. */
    String name() {
        String n = backend.toLowerCase(Locale.ROOT);
        if (!accepted.contains(n)) {
            throw new IllegalArgumentException("unknown backend '" + backend + "' (" + String.join(", ", accepted)
                    + ")");
        }
        aparapi.requireAparapi(n);
        return n;
    }

    /** Opens the chosen backend on the chosen device (the reference on none). */
    Backend open() {
        return open(new KernelsOption());
    }

    /** Opens the chosen backend on the chosen device with the OpenCL kernel family {@code kernels} names. */
    Backend open(KernelsOption kernels) {
        return Backends.open(name(), device, aparapi, kernels);
    }
}
