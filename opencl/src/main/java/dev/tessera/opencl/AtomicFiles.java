package dev.tessera.opencl;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Writes files so that a reader sees the old content or the new, never a partial file. */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** What goes into the file, written to a stream that {@link AtomicFiles} opens and closes. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Temporary files are created owner-only (0600); the file a user gets should be readable as any other file they
     * write: the replaced file's permissions, or rw-r--r--. Nothing to do where the file system has no POSIX
     * permissions.
     */
    private static void keepUsualPermissions(Path tmp, Path target) throws IOException {
        if (!Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
            return;
        }
        Set<PosixFilePermission> permissions = Files.exists(target) ? Files.getPosixFilePermissions(target)
                : PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(tmp, permissions);
    }

    /**
     * Why {@code target} cannot be written as a file, or null when it can as far as can be told before writing: the
     * path is empty, is a directory, its folder is missing (unless {@code createFolders}: then the nearest existing
     * ancestor must be a folder that can be written), is not a folder, or cannot be written.
     */
    public static String problem(Path target, boolean createFolders) {
        if (target.toString().isBlank() || target.getFileName() == null) {
            return "the path is empty";
        }
        if (Files.isDirectory(target)) {
            return "it is a directory, not a file";
        }
        if (Files.exists(target) && !Files.isRegularFile(target)) {
            return "it exists and is not a regular file";
        }
        Path dir = target.toAbsolutePath().getParent();
        while (createFolders && dir != null && !Files.exists(dir)) {
            dir = dir.getParent();
        }
        if (dir == null || !Files.exists(dir)) {
            return "folder " + target.toAbsolutePath().getParent() + " does not exist";
        }
        if (!Files.isDirectory(dir)) {
            return dir + " is not a folder";
        }
        if (!Files.isWritable(dir)) {
            return "folder " + dir + " is not writable (permission denied)";
        }
        return null;
    }

    /** Writes {@code bytes} to a temporary file beside {@code target}, then moves it into place. */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /**
     * Streams {@code content} into a temporary file beside {@code target}, forces it to disk, then moves it into place.
     * The directory must exist. On any failure the temporary file is removed and {@code target} is left as it was; a
     * target that cannot be written at all fails with the reason ({@link #problem}), not a temporary file's name.
     */
    public static void write(Path target, Content content) throws IOException {
        String problem = problem(target, false);
        if (problem != null) {
            throw new IOException("cannot write " + target + ": " + problem);
        }
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            keepUsualPermissions(tmp, target);
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE);
                    OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16)) {
                content.writeTo(out);
                out.flush();
                channel.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
