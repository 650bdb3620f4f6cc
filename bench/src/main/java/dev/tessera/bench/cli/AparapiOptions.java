package dev.tessera.bench.cli;

import java.nio.file.Path;

import dev.tessera.aparapi.AparapiBackend;
import picocli.CommandLine.Option;

/** The options of the aparapi backend, shared by the commands that can run it. */
final class AparapiOptions {
    @Option(names = "--dump-kernels", paramLabel = "DIR", description = "With --backend aparapi: write the OpenCL "
            + "source Aparapi generates into DIR, one <Kernel>.cl per kernel class.")
    Path dumpKernels;

    @Option(names = "--no-thread-pool", description = "With --backend aparapi: fail when Aparapi cannot run a "
            + "kernel on the OpenCL device, instead of letting it run in Aparapi's Java thread pool (allowed by "
            + "default, and then reported as ran_on java-thread-pool).")
    boolean noThreadPool;

    AparapiBackend.Options options() {
        return new AparapiBackend.Options(!noThreadPool, dumpKernels);
    }

    /** Rejects the options when the backend is not aparapi, where they would silently do nothing. */
    void requireAparapi(String backend) {
        if ((dumpKernels != null || noThreadPool) && !backend.equalsIgnoreCase("aparapi")) {
            throw new IllegalArgumentException("--dump-kernels and --no-thread-pool apply to --backend aparapi only, "
                    + "not " + backend);
        }
    }
}
