package dev.tessera.models.training;

/**
 * What one epoch of training achieved.
 *
 * @param epoch         counted from 1
 * @param learningRate  the rate used in this epoch
 * @param trainLoss     mean softmax cross-entropy over the epoch's mini-batches (weighted by batch size), measured
 *                      during training (the weights change as it goes)
 * @param trainAccuracy fraction of training images classified correctly during the epoch, same caveat
 * @param testLoss      mean cross-entropy on the held-out set after the epoch
 * @param testAccuracy  top-1 accuracy on the held-out set after the epoch
 * @param seconds       wall time of the epoch, evaluation included
 */
public record EpochResult(int epoch, double learningRate, double trainLoss, double trainAccuracy, double testLoss,
        double testAccuracy, double seconds) {
}
