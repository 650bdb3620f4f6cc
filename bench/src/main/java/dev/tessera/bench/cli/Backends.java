package dev.tessera.bench.cli;

import java.util.Locale;

import dev.tessera.aparapi.AparapiBackend;
import dev.tessera.backend.Backend;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.reference.ReferenceBackend;

/** Opens a backend by its command-line name. */
final class Backends {
    static final String NAMES = "opencl, aparapi, reference";

    private Backends() {
    }

    /** {@code aparapi} configures the aparapi backend and must be empty for the others. */
    static Backend open(String name, DeviceOption device, AparapiOptions aparapi) {
        aparapi.requireAparapi(name);
        switch (name.toLowerCase(Locale.ROOT)) {
            case "opencl":
                return OpenClBackend.open(device.device());
            case "aparapi":
                return AparapiBackend.open(device.device(), aparapi.options());
            case "reference":
                return new ReferenceBackend();
            default:
                throw new IllegalArgumentException("unknown backend '" + name + "'; choose one of " + NAMES);
        }
    }
}
