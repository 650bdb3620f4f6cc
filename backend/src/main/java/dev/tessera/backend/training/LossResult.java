package dev.tessera.backend.training;

import dev.tessera.backend.Tensor;

/**
 * Softmax cross-entropy of one batch.
 *
 * @param meanLoss the loss averaged over the batch's rows (natural log)
 * @param gradient dL/dlogits of the mean loss, [N, classes]
 * @param correct  rows whose largest logit is the label
 */
public record LossResult(double meanLoss, Tensor gradient, int correct) {
}
