package dev.tessera.backend.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tessera.backend.Tensor;

class NpyTest {
    @TempDir
    Path dir;

    /** The dict numpy writes for a (2, 3) float32 C-order array. */
    private static final String DICT_2X3 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

    /**
     * Exactly what {@code numpy.save(f, numpy.arange(6, dtype='<f4').reshape(2, 3))} writes: the magic \x93NUMPY,
     * version 1.0, a little-endian uint16 header length 118 (0x76), the 59-character dict, 58 spaces (20 of them
     * numpy's room for the first axis to grow, the rest padding) and a newline, so that the data start at byte 128;
     * then the floats 0..5 little-endian (1.0f is 00 00 80 3f).
     */
    private static byte[] numpyArange6() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0x76, 0});
        out.writeBytes((DICT_2X3 + " ".repeat(58) + "\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(new byte[] {
                0, 0, 0, 0,                     // 0.0f
                0, 0, (byte) 0x80, 0x3f,        // 1.0f
                0, 0, 0, 0x40,                  // 2.0f
                0, 0, 0x40, 0x40,               // 3.0f
                0, 0, (byte) 0x80, 0x40,        // 4.0f
                0, 0, (byte) 0xa0, 0x40});      // 5.0f
        return out.toByteArray();
    }

    /** A file of format {@code major}.0 with this header text (used as is) followed by the floats. */
    private Path npy(String name, int major, String header, float... data) throws IOException {
        ByteBuffer floats = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : data) {
            floats.putFloat(f);
        }
        Path file = dir.resolve(name);
        Files.write(file, Npy.rawFile(major, header, floats.array()));
        return file;
    }

    @Test
    void readsTheBytesNumpyWrites() throws IOException {
        byte[] bytes = numpyArange6();
        assertEquals(128 + 24, bytes.length);
        Path file = dir.resolve("arange.npy");
        Files.write(file, bytes);
        Tensor t = Npy.read(file);
        assertArrayEquals(new int[] {2, 3}, t.shape());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, t.data());
    }

    @Test
    void writesTheBytesNumpyWrites() throws IOException {
        Path file = dir.resolve("arange.npy");
        Npy.write(file, new Tensor(new float[] {0, 1, 2, 3, 4, 5}, 2, 3));
        assertArrayEquals(numpyArange6(), Files.readAllBytes(file));
        // a 1-d shape is written as Python writes a 1-tuple, "(3,)"; the header still ends at byte 128
        Npy.write(file, new Tensor(new float[] {7, 8, 9}, 3));
        String header = new String(Files.readAllBytes(file), 10, 118, StandardCharsets.ISO_8859_1);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), } "), header);
        assertTrue(header.endsWith(" \n"), header);
        // a large first axis needs a longer header: the total stays a multiple of 64
        for (int n : new int[] {1, 123456789}) {
            byte[] written = Npy.header(new int[] {n, 1, 1, 1, 1, 1, 1, 1, 1, 1});
            assertEquals(0, written.length % 64, "header length " + written.length);
            assertEquals('\n', written[written.length - 1]);
            assertEquals(written.length - 10, (written[8] & 0xff) | (written[9] & 0xff) << 8);
        }
    }

    @Test
    void readsVersion2Headers() throws IOException {
        // numpy.lib.format.write_array(f, a, version=(2, 0)): a uint32 header length 116, data again at byte 128
        Path file = npy("v2.npy", 2, DICT_2X3 + " ".repeat(56) + "\n", 0, 1, 2, 3, 4, 5);
        assertEquals(128 + 24, Files.size(file));
        Tensor t = Npy.read(file);
        assertArrayEquals(new int[] {2, 3}, t.shape());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, t.data());
    }

    @Test
    void readsAZeroDimensionalArrayAsOneValue() throws IOException {
        Path file = npy("scalar.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }\n", 3.5f);
        Tensor t = Npy.read(file);
        assertArrayEquals(new int[] {1}, t.shape());
        assertArrayEquals(new float[] {3.5f}, t.data());
    }

    @Test
    void roundTripsRandomTensorsOfRanks1To4() {
        SplittableRandom random = new SplittableRandom(11);
        for (int rank = 1; rank <= 4; rank++) {
            for (int trial = 0; trial < 5; trial++) {
                int[] shape = new int[rank];
                for (int i = 0; i < rank; i++) {
                    shape[i] = 1 + random.nextInt(rank == 1 ? 200 : 7);
                }
                assertRoundTrip(Tensor.random(random.nextLong(), -1e6f, 1e6f, shape));
            }
        }
        // more floats than one transfer chunk, and the values that must survive bit for bit
        assertRoundTrip(Tensor.random(5, -1, 1, 3, 70_001));
        assertRoundTrip(new Tensor(new float[] {Float.NaN, -0.0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.MIN_VALUE, Float.MAX_VALUE, -1e-40f}, 7));
    }

    private void assertRoundTrip(Tensor t) {
        Path file = dir.resolve("t.npy");
        Npy.write(file, t);
        Tensor back = Npy.read(file);
        assertArrayEquals(t.shape(), back.shape());
        for (int i = 0; i < t.size(); i++) {
            assertEquals(Float.floatToRawIntBits(t.data()[i]), Float.floatToRawIntBits(back.data()[i]),
                    "value " + i + " of " + t);
        }
    }

    @Test
    void rejectsAMissingFile() {
        Path file = dir.resolve("absent.npy");
        assertRejected(file, "does not exist");
    }

    @Test
    void rejectsBadMagic() throws IOException {
        Path file = dir.resolve("text.npy");
        Files.writeString(file, "hello, this is not numpy");
        assertRejected(file, "bad magic");
        Files.write(file, new byte[] {(byte) 0x93, 'N', 'U'});
        assertRejected(file, "bad magic");
    }

    @Test
    void rejectsAnUnknownVersion() throws IOException {
        assertRejected(npy("v4.npy", 4, DICT_2X3 + "\n", 0, 1, 2, 3, 4, 5), "version 4.0");
    }

    @Test
    void rejectsOtherDtypesNamingThem() throws IOException {
        assertRejected(npy("f8.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }\n", 1, 2, 3, 4, 5,
                6), "dtype '<f8' is not supported");
        assertRejected(npy("be.npy", 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }\n", 1, 2, 3),
                "dtype '>f4'");
        assertRejected(npy("i4.npy", 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }\n", 1, 2, 3),
                "dtype '<i4'");
    }

    @Test
    void rejectsFortranOrder() throws IOException {
        assertRejected(npy("f.npy", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n", 0, 1, 2, 3, 4,
                5), "fortran_order True");
    }

    @Test
    void rejectsMalformedHeaders() throws IOException {
        float[] six = {0, 1, 2, 3, 4, 5};
        assertRejected(npy("m1.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3}\n", six),
                "malformed header");
        assertRejected(npy("m2.npy", 1, "{'descr': '<f4', 'shape': (2, 3), }\n", six), "malformed header");
        assertRejected(npy("m3.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': 6, }\n", six),
                "malformed header");
        assertRejected(npy("m4.npy", 1, "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (6,), }\n", six),
                "malformed header");
        assertRejected(npy("m5.npy", 1, "['descr', '<f4']\n", six), "malformed header");
        // the header length points past the end of the file
        Path file = dir.resolve("short-header.npy");
        Files.write(file, java.util.Arrays.copyOf(numpyArange6(), 60));
        assertRejected(file, "truncated");
    }

    @Test
    void rejectsTruncatedAndOverlongData() throws IOException {
        Path file = dir.resolve("truncated.npy");
        byte[] bytes = numpyArange6();
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 4));
        assertRejected(file, "truncated: shape 2x3 needs 24 bytes of data, the file has 20");
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length + 4));
        assertRejected(file, "4 unexpected bytes after the 24 bytes of data");
    }

    @Test
    void rejectsAZeroDimension() throws IOException {
        assertRejected(npy("empty.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 0), }\n"),
                "shape (2, 0) has a zero dimension");
    }

    private static void assertRejected(Path file, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Npy.read(file));
        String message = e.getMessage();
        assertTrue(message.startsWith("npy file " + file), message);
        assertTrue(message.contains(expected), () -> "expected '" + expected + "' in: " + message);
        assertFalse(message.contains("\n"), "one line: " + message);
    }

    @Test
    void writingIsAtomicAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("w.npy");
        Npy.write(file, new Tensor(new float[] {1, 2}, 2));
        Npy.write(file, new Tensor(new float[] {0, 1, 2, 3, 4, 5}, 2, 3)); // replaces the first
        assertEquals(List.of("w.npy"), listing(dir));
        assertArrayEquals(numpyArange6(), Files.readAllBytes(file));

        // a failed move (the target is a non-empty directory) cleans up after itself
        Path blocked = dir.resolve("blocked.npy");
        Files.createDirectory(blocked);
        Files.writeString(blocked.resolve("keep"), "x");
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> Npy.write(blocked, new Tensor(new float[] {1}, 1)));
        assertTrue(e.getMessage().startsWith("cannot write npy file " + blocked), e.getMessage());
        assertEquals(List.of("blocked.npy", "w.npy"), listing(dir));
        assertEquals(List.of("keep"), listing(blocked));

        // a missing directory: nothing is written anywhere
        assertThrows(UncheckedIOException.class,
                () -> Npy.write(dir.resolve("no-such-dir").resolve("x.npy"), new Tensor(new float[] {1}, 1)));
        assertEquals(List.of("blocked.npy", "w.npy"), listing(dir));
    }

    private static List<String> listing(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }
}
