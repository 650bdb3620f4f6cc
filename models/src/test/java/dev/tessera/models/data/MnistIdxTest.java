package dev.tessera.models.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tessera.backend.Tensor;

/** IDX files written here, byte by byte, read back; each malformed file rejected with its one-line reason. */
class MnistIdxTest {
    private static final int[] LABELS = {7, 0, 9};

    @TempDir
    Path dir;

    /** The test's own pixel pattern: byte (i * 31 + r * 28 + c) mod 256. */
    private static int pixelByte(int i, int r, int c) {
        return (i * 31 + r * 28 + c) % 256;
    }

    private static byte[] imagesFile(int magic, int count, int rows, int cols, int images) {
        ByteBuffer b = ByteBuffer.allocate(16 + images * rows * cols); // big-endian by default
        b.putInt(magic).putInt(count).putInt(rows).putInt(cols);
        for (int i = 0; i < images; i++) {
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    b.put((byte) pixelByte(i, r, c));
                }
            }
        }
        return b.array();
    }

    private static byte[] labelsFile(int magic, int count, int... labels) {
        ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
        b.putInt(magic).putInt(count);
        for (int l : labels) {
            b.put((byte) l);
        }
        return b.array();
    }

    private static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(plain);
        }
        return out.toByteArray();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private Path goodImages() throws IOException {
        return write("images", imagesFile(0x803, 3, 28, 28, 3));
    }

    private Path goodLabels() throws IOException {
        return write("labels", labelsFile(0x801, 3, LABELS));
    }

    @Test
    void plainFilesReadBackExactly() throws IOException {
        Mnist m = Mnist.readIdx(goodImages(), goodLabels());
        assertPixels(m);
    }

    @Test
    void gzippedFilesReadBackExactlyWhateverTheirNames() throws IOException {
        Path img = write("images.gz", gzip(imagesFile(0x803, 3, 28, 28, 3)));
        Path lab = write("labels-no-suffix", gzip(labelsFile(0x801, 3, LABELS)));
        assertPixels(Mnist.readIdx(img, lab));
    }

    private static void assertPixels(Mnist m) {
        assertEquals(3, m.size());
        assertArrayEquals(LABELS, m.labels());
        Mnist.Batch all = m.batch(0, 3);
        assertArrayEquals(new int[] {3, 1, 28, 28}, all.images().shape());
        assertArrayEquals(LABELS, all.labels());
        for (int i = 0; i < 3; i++) {
            for (int r = 0; r < 28; r++) {
                for (int c = 0; c < 28; c++) {
                    float expected = pixelByte(i, r, c) / 255f;
                    assertEquals(expected, all.images().get(i, 0, r, c), 0f);
                    assertEquals(expected, m.pixel(i, r, c), 0f);
                }
            }
        }
        // spot values worked out by hand: image 0 (0,0) is byte 0; image 2 (8,3): 62 + 224 + 3 = 289 -> 33
        assertEquals(0f, m.pixel(0, 0, 0), 0f);
        assertEquals(33 / 255f, m.pixel(2, 8, 3), 0f);
        // image 1 (7,28-1): 31 + 196 + 27 = 254
        assertEquals(254 / 255f, m.pixel(1, 7, 27), 0f);
    }

    @Test
    void batchSlicesAndCopies() throws IOException {
        Mnist m = Mnist.readIdx(goodImages(), goodLabels());
        Mnist.Batch b = m.batch(1, 2);
        assertArrayEquals(new int[] {0, 9}, b.labels());
        Tensor t = b.images();
        assertArrayEquals(new int[] {2, 1, 28, 28}, t.shape());
        assertEquals(pixelByte(2, 5, 6) / 255f, t.get(1, 0, 5, 6), 0f);
        t.data()[0] = 0.5f;
        assertEquals(pixelByte(1, 0, 0) / 255f, m.pixel(1, 0, 0), 0f);
        assertThrows(IndexOutOfBoundsException.class, () -> m.batch(2, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> m.batch(-1, 1));
        assertArrayEquals(new int[] {1, 0, 0, 0, 0, 0, 0, 1, 0, 1}, m.labelCounts());
    }

    private static void assertRejected(Path file, String phrase, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        String msg = e.getMessage();
        System.out.println("rejected: " + msg);
        assertTrue(msg.contains(file.toString()), msg);
        assertTrue(msg.contains(phrase), msg);
        assertFalse(msg.contains("\n"), msg);
    }

    interface Executable {
        void run() throws Exception;
    }

    @Test
    void wrongImageMagicIsRejected() throws IOException {
        Path img = write("bad-magic", imagesFile(0x804, 3, 28, 28, 3));
        Path lab = goodLabels();
        assertRejected(img, "wrong magic 0x00000804, expected 0x00000803", () -> Mnist.readIdx(img, lab));
    }

    @Test
    void labelFileGivenAsImagesOrViceVersaIsRejected() throws IOException {
        Path img = goodImages();
        Path lab = goodLabels();
        assertRejected(lab, "wrong magic 0x00000801, expected 0x00000803", () -> Mnist.readIdx(lab, img));
        Path lab2 = write("labels-with-image-magic", labelsFile(0x803, 3, LABELS));
        assertRejected(lab2, "wrong magic 0x00000803, expected 0x00000801", () -> Mnist.readIdx(img, lab2));
    }

    @Test
    void truncatedImagesAreRejected() throws IOException {
        byte[] full = imagesFile(0x803, 3, 28, 28, 3);
        Path img = write("short", Arrays.copyOf(full, full.length - 10));
        Path lab = goodLabels();
        assertRejected(img, "truncated: 3 images need 2352 bytes of pixels, found 2342", () -> Mnist.readIdx(img, lab));
        Path header = write("header-only", Arrays.copyOf(full, 9));
        assertRejected(header, "truncated: 9 bytes, shorter than the 16-byte header", () -> Mnist.readIdx(header, lab));
    }

    @Test
    void truncatedGzipIsRejected() throws IOException {
        byte[] gz = gzip(imagesFile(0x803, 3, 28, 28, 3));
        Path img = write("short.gz", Arrays.copyOf(gz, gz.length / 2));
        Path lab = goodLabels();
        assertRejected(img, "corrupt gzip data", () -> Mnist.readIdx(img, lab));
    }

    @Test
    void truncatedLabelsAreRejected() throws IOException {
        Path img = goodImages();
        Path lab = write("labels-short", Arrays.copyOf(labelsFile(0x801, 3, LABELS), 10));
        assertRejected(lab, "truncated: 3 labels announced, found 2 bytes", () -> Mnist.readIdx(img, lab));
    }

    @Test
    void countMismatchIsRejected() throws IOException {
        Path img = goodImages();
        Path lab = write("two-labels", labelsFile(0x801, 2, 7, 0));
        assertRejected(lab, "holds 2 labels but " + img + " holds 3 images", () -> Mnist.readIdx(img, lab));
    }

    @Test
    void labelTwelveIsRejected() throws IOException {
        Path img = goodImages();
        Path lab = write("label-12", labelsFile(0x801, 3, 7, 12, 9));
        assertRejected(lab, "label 12 of image 1 is outside 0-9", () -> Mnist.readIdx(img, lab));
    }

    @Test
    void sizesOtherThan28x28AreRejected() throws IOException {
        Path img = write("32x32", imagesFile(0x803, 3, 32, 32, 3));
        Path lab = goodLabels();
        assertRejected(img, "images are 32x32, only 28x28 is supported", () -> Mnist.readIdx(img, lab));
    }

    @Test
    void directoryFindsTheUsualNamesPlainOrGzipped() throws IOException {
        write("train-images-idx3-ubyte.gz", gzip(imagesFile(0x803, 3, 28, 28, 3)));
        write("train-labels-idx1-ubyte.gz", gzip(labelsFile(0x801, 3, LABELS)));
        write("t10k-images.idx3-ubyte", imagesFile(0x803, 2, 28, 28, 2));
        write("t10k-labels.idx1-ubyte", labelsFile(0x801, 2, 3, 4));
        Mnist.Split split = Mnist.readIdxDirectory(dir);
        assertPixels(split.train());
        assertArrayEquals(new int[] {3, 4}, split.test().labels());
        assertEquals(pixelByte(1, 27, 27) / 255f, split.test().pixel(1, 27, 27), 0f);
    }

    @Test
    void directoryWithoutTheFilesSaysWhatItLookedFor() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Mnist.readIdxDirectory(dir));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte, train-images-idx3-ubyte.gz"), e.getMessage());
    }

    @Test
    void constructorChecksLabelsAndRange() {
        assertThrows(IllegalArgumentException.class, () -> new Mnist(new float[784], new int[] {10}));
        assertThrows(IllegalArgumentException.class, () -> new Mnist(new float[784], new int[] {1, 2}));
        float[] p = new float[784];
        p[5] = 1.5f;
        assertThrows(IllegalArgumentException.class, () -> new Mnist(p, new int[] {1}));
    }
}
