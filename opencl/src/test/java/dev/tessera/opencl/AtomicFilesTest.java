package dev.tessera.opencl;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Atomic writes: content, no temporary left behind, usual permissions, a failed write keeps the old file. */
class AtomicFilesTest {
    @Test
    void writesReplacesAndLeavesNoTemporaryFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("out.bin");
        AtomicFiles.write(file, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw----"));
        AtomicFiles.write(file, new byte[] {4});
        assertArrayEquals(new byte[] {4}, Files.readAllBytes(file));
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
                "a replaced file keeps its permissions");
        try (var listing = Files.list(dir)) {
            assertEquals(1, listing.count());
        }
    }

    @Test
    void aTargetThatCannotBeWrittenIsRefusedWithTheReasonNotATemporaryName(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("file");
        Files.write(file, new byte[] {1});
        String[][] cases = {{"", "the path is empty"}, {dir.toString(), "it is a directory, not a file"},
            {dir.resolve("missing/out.bin").toString(), "folder " + dir.resolve("missing") + " does not exist"},
            {file.resolve("out.bin").toString(), file + " is not a folder"}};
        for (String[] c : cases) {
            IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(Path.of(c[0]), new byte[] {1}));
            assertEquals("cannot write " + c[0] + ": " + c[1], e.getMessage());
        }
        assertNull(AtomicFiles.problem(dir.resolve("new.bin"), false));
        assertNull(AtomicFiles.problem(dir.resolve("a/b/new.bin"), true), "missing folders a caller creates");
        try (var listing = Files.list(dir)) {
            assertEquals(1, listing.count(), "nothing left behind");
        }
    }

    @Test
    void aFailedWriteKeepsTheOldFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("out.bin");
        AtomicFiles.write(file, new byte[] {7, 8});
        assertThrows(IOException.class, () -> AtomicFiles.write(file, out -> {
            out.write(9);
            throw new IOException("disk full");
        }));
        assertArrayEquals(new byte[] {7, 8}, Files.readAllBytes(file));
        try (var listing = Files.list(dir)) {
            assertEquals(1, listing.count());
        }
    }
}
