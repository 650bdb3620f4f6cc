package dev.tessera.backend.opencl.common;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

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
    /** The kernels created inside the innermost {@link #releasingKernelsOnFailure} call, or null outside one. */
    private List<ClKernel> created;

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
        ClKernel kernel = program(file, options).kernel(kernelName);
        if (created != null) {
            created.add(kernel);
        }
        return kernel;
    }

    /**
     * Runs {@code body}; when it throws, every kernel {@link #kernel} created during it is released before the
     * exception goes on, so code that creates a kernel and then fails setting it up (an argument refused, a buffer
     * not allocated) leaks nothing. Kernels an owner released already are closed again harmlessly.
     */
    public <T> T releasingKernelsOnFailure(Supplier<T> body) {
        List<ClKernel> outer = created;
        List<ClKernel> mine = new ArrayList<>();
        created = mine;
        try {
            return body.get();
        } catch (RuntimeException | Error e) {
            mine.forEach(ClKernel::close);
            throw e;
        } finally {
            created = outer;
            if (outer != null) {
                outer.addAll(mine);
            }
        }
    }

    @Override
    public void close() {
        programs.values().forEach(ClProgram::close);
        programs.clear();
    }
}
