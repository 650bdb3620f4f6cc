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
        switch (name.toLowerCase(Locale.ROOT)) {
            case "opencl":
                ClDevice d = device.device();
                return OpenClBackend.open(d);
            case "reference":
                return new ReferenceBackend();
            case "aparapi":
                throw new IllegalArgumentException("the aparapi backend is not available yet; use " + NAMES);
            default:
                throw new IllegalArgumentException("unknown backend '" + name + "'; choose one of " + NAMES);
        }
    }
}
