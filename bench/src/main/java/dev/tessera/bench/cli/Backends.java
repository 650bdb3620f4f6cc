package dev.tessera.bench.cli;

import java.util.Locale;

import dev.tessera.backend.Backend;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.ClDevice;

/** Opens a backend by its command-line name. */
final class Backends {
    static final String NAMES = "opencl, reference";

    private Backends() {
    }

    static Backend open(String name, DeviceOption device) {
        String n = name.toLowerCase(Locale.ROOT);
        return open(n, n.equals("opencl") || n.equals("aparapi") ? device.device() : null);
    }

    /** Opens {@code name} on {@code device} (ignored by the reference backend, which may get null). */
    static Backend open(String name, ClDevice device) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "opencl":
                return OpenClBackend.open(device);
            case "reference":
                return new ReferenceBackend();
            case "aparapi":
                throw new IllegalArgumentException("the aparapi backend is not available yet; use " + NAMES);
            default:
                throw new IllegalArgumentException("unknown backend '" + name + "'; choose one of " + NAMES);
        }
    }
}
