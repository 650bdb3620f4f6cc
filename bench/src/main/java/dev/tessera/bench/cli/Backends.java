package dev.tessera.bench.cli;

import java.util.Locale;

import dev.tessera.aparapi.AparapiBackend;
import dev.tessera.backend.Backend;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.ClDevice;

/** Opens a backend by its command-line name. */
final class Backends {
    static final String NAMES = "opencl, aparapi, reference";

    private Backends() {
    }

    /**
     * {@code aparapi} configures the aparapi backend and must be empty for the others; {@code kernels} chooses the
     * opencl backend's kernel family and must be empty for the others.
     */
    static Backend open(String name, DeviceOption device, AparapiOptions aparapi, KernelsOption kernels) {
        aparapi.requireAparapi(name);
        kernels.requireOpenCl(name);
        String n = name.toLowerCase(Locale.ROOT);
        return open(n, n.equals("reference") ? null : device.device(), aparapi.options(), kernels.choice());
    }

    /**
     * Opens {@code name} on {@code device} (null for the reference backend) with Aparapi's default options (its Java
     * thread-pool fallback allowed, and then reported as ran_on java-thread-pool) and the OpenCL kernel family
     * {@code kernels} (cpu, gpu, auto): what {@code tessera bench} uses.
     */
    static Backend open(String name, ClDevice device, String kernels) {
        return open(name, device, AparapiBackend.Options.defaults(), kernels);
    }

    private static Backend open(String name, ClDevice device, AparapiBackend.Options aparapi, String kernels) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "opencl":
                return OpenClBackend.open(device, kernels);
            case "aparapi":
                return AparapiBackend.open(device, aparapi);
            case "reference":
                return new ReferenceBackend();
            default:
                throw new IllegalArgumentException("unknown backend '" + name + "'; choose one of " + NAMES);
        }
    }
}
