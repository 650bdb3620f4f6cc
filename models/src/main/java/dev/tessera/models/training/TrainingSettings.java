package dev.tessera.models.training;

import dev.tessera.backend.training.SgdSettings;

/**
 * How {@link Trainer} trains.
 *
 * @param epochs   passes over the training set, at least 1
 * @param batch    images per mini-batch, at least 1 (the last batch of an epoch may be smaller)
 * @param sgd      the optimiser's learning rate (the peak, under a schedule), momentum and weight decay
 * @param schedule how the learning rate changes over the epochs
 * @param seed     seeds the shuffling of the training set (one permutation per epoch from one stream) and the
 *                 augmentation's shifts
 * @param maxShift data augmentation: each training image is moved by a random whole number of pixels in
 *                 [-maxShift, maxShift] along each axis, drawn per image per epoch (cells moved in are 0); 0: none
 */
public record TrainingSettings(int epochs, int batch, SgdSettings sgd, Schedule schedule, long seed, int maxShift) {
    /** The learning-rate schedule. */
    public enum Schedule {
        /** The same rate every epoch. */
        CONSTANT,
        /** Cosine annealing per epoch: epoch e (from 0) of E uses {@code lr * (1 + cos(pi * e / E)) / 2}. */
        COSINE;

        /** The rate for epoch {@code epoch} (from 0) of {@code epochs}. */
        public double rate(double peak, int epoch, int epochs) {
            return this == CONSTANT ? peak : peak * (1 + Math.cos(Math.PI * epoch / epochs)) / 2;
        }
    }

    public TrainingSettings {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1: " + epochs);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1: " + batch);
        }
        java.util.Objects.requireNonNull(sgd, "sgd");
        java.util.Objects.requireNonNull(schedule, "schedule");
        if (maxShift < 0 || maxShift > 8) {
            throw new IllegalArgumentException("the augmentation's shift must be between 0 and 8 pixels: " + maxShift);
        }
    }
}
