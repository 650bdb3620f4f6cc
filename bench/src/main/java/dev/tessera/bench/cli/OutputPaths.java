package dev.tessera.bench.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.tessera.opencl.AtomicFiles;

/**
 * The check every command that writes runs on its output paths before any work starts, so that a typo in a folder name
 * costs nothing (not a 20-epoch training): one {@link IllegalArgumentException} naming the option, the path and the
 * reason (empty, a directory where a file is expected, a missing folder, a folder that cannot be written).
 */
final class OutputPaths {
    private OutputPaths() {
    }

    /** {@code path} (given with {@code option}) must be writable as a file in a folder that exists. */
    static void requireFile(Path path, String option) {
        fail(option, path, AtomicFiles.problem(path, false));
    }

    /** As {@link #requireFile}, but missing folders on the way are fine: the command creates them. */
    static void requireFileCreatingFolders(Path path, String option) {
        fail(option, path, AtomicFiles.problem(path, true));
    }

    /** {@code path} must be a writable folder, or one the command can create (inside a writable folder). */
    static void requireFolder(Path path, String option) {
        if (path.toString().isBlank()) {
            fail(option, path, "the path is empty");
        }
        if (Files.exists(path) && !Files.isDirectory(path)) {
            fail(option, path, "it exists and is not a folder");
        }
        if (Files.isDirectory(path)) {
            fail(option, path, Files.isWritable(path) ? null : "folder is not writable (permission denied)");
        } else {
            // the same rules as a file in it
            fail(option, path, AtomicFiles.problem(path.resolve("x"), true));
        }
    }

    private static void fail(String option, Path path, String problem) {
        if (problem != null) {
            throw new IllegalArgumentException(option + " '" + path + "': " + problem);
        }
    }
}
