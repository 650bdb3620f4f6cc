package dev.tessera.backend.opencl.common;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The OpenCL objects one owner created, released together in reverse order of creation. An owner adds each object as
 * soon as it exists, so that a constructor failing half-way can release what it already holds.
 */
public final class OwnedResources implements AutoCloseable {
    private final Deque<AutoCloseable> owned = new ArrayDeque<>();

    /** Takes ownership of {@code resource} and returns it. */
    public <T extends AutoCloseable> T add(T resource) {
        owned.push(resource);
        return resource;
    }

    /** Releases everything, newest first; the first failure is rethrown after all were tried. */
    @Override
    public void close() {
        RuntimeException failure = null;
        while (!owned.isEmpty()) {
            try {
                owned.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

}
