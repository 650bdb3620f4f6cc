package dev.tessera.backend.training;

/**
 * Stochastic gradient descent with momentum (see {@link TrainingBackend#sgdStep}).
 *
 * @param learningRate step size, positive
 * @param momentum     in [0, 1)
 * @param weightDecay  L2 coefficient added to the gradient, non-negative
 */
public record SgdSettings(double learningRate, double momentum, double weightDecay) {
    public SgdSettings {
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be positive: " + learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1): " + momentum);
        }
        if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
            throw new IllegalArgumentException("weight decay must be non-negative: " + weightDecay);
        }
    }

    /** The same settings with another learning rate (for schedules). */
    public SgdSettings withLearningRate(double rate) {
        return new SgdSettings(rate, momentum, weightDecay);
    }
}
