package dev.tessera.bench.cli;

import java.util.Locale;
import java.util.Map;

import dev.tessera.backend.Backend;
import dev.tessera.backend.opencl.common.KernelFamily;
import dev.tessera.backend.opencl.OpenClBackend;
import picocli.CommandLine.Option;

/** The {@code --kernels cpu|gpu|auto} option of the commands that run the OpenCL backend. */
final class KernelsOption {
    @Option(names = "--kernels", paramLabel = "cpu|gpu|auto", description = "The OpenCL backend's kernel family: cpu "
            + "(one work-item per work-group, large register tiles), gpu (work-group tiles in local memory, parameters "
            + "from the tunables table or 'tessera tune') or auto (by device type). Default: $" + KernelFamily.ENVIRONMENT
            + ", else auto.")
    String choice;

    /** The choice: the option, else the environment, else auto; an unknown name is an error naming the choices. */
    String choice() {
        if (choice == null) {
            return KernelFamily.fromEnvironment();
        }
        String problem = KernelFamily.invalidChoice(choice);
        if (problem != null) {
            throw new IllegalArgumentException("--kernels: " + problem);
        }
        return choice.trim().toLowerCase(Locale.ROOT);
    }

    /** --kernels chooses among the OpenCL backend's kernels: given with another backend it is an error. */
    void requireOpenCl(String backend) {
        if (choice != null && !backend.equalsIgnoreCase("opencl")) {
            throw new IllegalArgumentException("--kernels chooses the opencl backend's kernels; the " + backend
                    + " backend has no kernel families");
        }
        choice();
    }

    /** What --json says about the kernels that ran: the OpenCL backend's family and parameters, else null. */
    static Map<String, Object> describe(Backend backend) {
        return backend instanceof OpenClBackend opencl ? opencl.kernels().describe() : null;
    }
}
