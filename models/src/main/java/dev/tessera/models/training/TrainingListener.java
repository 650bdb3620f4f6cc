package dev.tessera.models.training;

/** Hears how training goes: after every mini-batch and after every epoch. Methods do nothing unless overridden. */
public interface TrainingListener {
    /**
     * Mini-batch {@code batchIndex} (from 0) of {@code batches} of epoch {@code epoch} (from 1) is done; its mean loss
     * was {@code loss}.
     */
    default void batchDone(int epoch, int batchIndex, int batches, double loss) {
    }

    /** An epoch is done and evaluated. */
    default void epochDone(EpochResult result) {
    }

    /** A listener that hears nothing. */
    TrainingListener NONE = new TrainingListener() {
    };
}
