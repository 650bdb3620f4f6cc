package dev.tessera.models.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** The IDX file reader behind {@link Mnist#readIdx}. */
final class Idx {
    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;

    private Idx() {
    }

    static Mnist read(Path imagesFile, Path labelsFile) throws IOException {
        byte[] img = contents(imagesFile);
        byte[] lab = contents(labelsFile);

        header(imagesFile, img, 4, "image");
        int magic = readInt(img, 0);
        if (magic != IMAGES_MAGIC) {
            throw bad(imagesFile, String.format("wrong magic 0x%08X, expected 0x%08X for an IDX image file", magic,
                    IMAGES_MAGIC));
        }
        header(imagesFile, img, 16, "image");
        int count = readInt(img, 4);
        int rows = readInt(img, 8);
        int cols = readInt(img, 12);
        if (count < 0) {
            throw bad(imagesFile, "negative image count " + count);
        }
        if (rows != Mnist.SIDE || cols != Mnist.SIDE) {
            throw bad(imagesFile, "images are " + Integer.toUnsignedString(rows) + "x" + Integer.toUnsignedString(cols)
                    + ", only 28x28 is supported");
        }
        long pixelBytes = (long) count * Mnist.PIXELS;
        long have = img.length - 16L;
        if (have < pixelBytes) {
            throw bad(imagesFile, "truncated: " + count + " images need " + pixelBytes + " bytes of pixels, found "
                    + have);
        }
        if (have > pixelBytes) {
            throw bad(imagesFile, (have - pixelBytes) + " bytes after the " + count + " images the header announces");
        }

        header(labelsFile, lab, 4, "label");
        magic = readInt(lab, 0);
        if (magic != LABELS_MAGIC) {
            throw bad(labelsFile, String.format("wrong magic 0x%08X, expected 0x%08X for an IDX label file", magic,
                    LABELS_MAGIC));
        }
        header(labelsFile, lab, 8, "label");
        int labelCount = readInt(lab, 4);
        if (labelCount < 0) {
            throw bad(labelsFile, "negative label count " + labelCount);
        }
        long haveLabels = lab.length - 8L;
        if (haveLabels < labelCount) {
            throw bad(labelsFile, "truncated: " + labelCount + " labels announced, found " + haveLabels + " bytes");
        }
        if (haveLabels > labelCount) {
            throw bad(labelsFile, (haveLabels - labelCount) + " bytes after the " + labelCount
                    + " labels the header announces");
        }
        if (labelCount != count) {
            throw bad(labelsFile, "holds " + labelCount + " labels but " + imagesFile + " holds " + count + " images");
        }

        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            int l = lab[8 + i] & 0xFF;
            if (l >= Mnist.CLASSES) {
                throw bad(labelsFile, "label " + l + " of image " + i + " is outside 0-9");
            }
            labels[i] = l;
        }
        float[] pixels = new float[(int) pixelBytes];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (img[16 + i] & 0xFF) / 255f;
        }
        return Mnist.wrap(pixels, labels);
    }

    /** The file's bytes, gunzipped when they start with the gzip magic 1F 8B. */
    private static byte[] contents(Path file) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        if (raw.length >= 2 && (raw[0] & 0xFF) == 0x1F && (raw[1] & 0xFF) == 0x8B) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw), 1 << 16)) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw bad(file, "corrupt gzip data (" + e.getMessage() + ")");
            }
        }
        return raw;
    }

    private static void header(Path file, byte[] b, int size, String kind) {
        if (b.length < size) {
            throw bad(file, "truncated: " + b.length + " bytes, shorter than the " + (size == 4 ? "4-byte magic of an"
                    : size + "-byte header of an") + " IDX " + kind + " file");
        }
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }

    private static IllegalArgumentException bad(Path file, String problem) {
        return new IllegalArgumentException(file + ": " + problem);
    }
}
