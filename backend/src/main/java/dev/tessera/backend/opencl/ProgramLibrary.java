package dev.tessera.backend.opencl;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClKernel;
import dev.tessera.opencl.ClProgram;
import dev.tessera.opencl.ProgramSource;

/**
 * The programs one backend has built on its context, by kernel file and build options, so each variant is built (or
 * loaded from the binary cache) once. Kernels are created per use by the caller and closed by it; programs live until
 * the library is closed.
 */
public final class ProgramLibrary implements AutoCloseable {
    private final ClContext context;
    private final Map<String, ClProgram> programs = new LinkedHashMap<>();

    public ProgramLibrary(ClContext context) {
        this.context = context;
    }

    public ClContext context() {
        return context;
    }

    /** The program for {@code file} built with {@code options}, built on first use. */
    public ClProgram program(String file, String options) {
        String key = file + "\u0000" + options;
        ClProgram program = programs.get(key);
        if (program == null) {
            program = context.build(ProgramSource.resource(file), options);
            programs.put(key, program);
        }
        return program;
    }

    /** A new kernel object (own argument state) from the program for {@code file} and {@code options}. */
    public ClKernel kernel(String file, String options, String kernelName) {
        return program(file, options).kernel(kernelName);
    }

    @Override
    public void close() {
        programs.values().forEach(ClProgram::close);
        programs.clear();
    }
}
