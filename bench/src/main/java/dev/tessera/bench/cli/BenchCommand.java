package dev.tessera.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.bench.harness.BenchSettings;
import dev.tessera.bench.harness.EnvironmentInfo;
import dev.tessera.bench.harness.Harness;
import dev.tessera.bench.harness.Progress;
import dev.tessera.bench.harness.ResultFiles;
import dev.tessera.bench.harness.Sampler;
import dev.tessera.bench.harness.ShardSpec;
import dev.tessera.models.ModelZoo;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.opencl.NoOpenClPlatformException;
import dev.tessera.opencl.OpenClDevices;
import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.Environment;
import dev.tessera.reports.results.ResultRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tessera bench}: every configuration of device x backend x model x algorithm x batch, the scenarios (latency,
 * throughput, accuracy), the peers, into one results file and its CSV (docs/RESULTS.md). With no arguments it runs
 * the quick default set.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false, description = {
        "Benchmark models on OpenCL devices and backends: latency (batch 1), throughput (images/s per batch size, "
                + "device-resident and end to end) with a per-layer breakdown, and accuracy against the "
                + "double-precision reference, with ONNX Runtime (CPU) and im2col + CLBlast SGEMM as peers.",
        "Writes one JSON results file (schema: docs/RESULTS.md) and a CSV of its summary rows next to it, "
                + "rewritten atomically after every configuration; a failing configuration becomes a status row and "
                + "the run goes on; Ctrl-C keeps what was measured.",
        "With no arguments it runs the quick default set (--quick)."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--models", split = ",", paramLabel = "NAME", description = "Models (default: lenet5, vgg16, "
            + "resnet50; see 'tessera models').")
    List<String> models = new ArrayList<>(List.of("lenet5", "vgg16", "resnet50"));

    @Option(names = "--backends", split = ",", paramLabel = "NAME", description = "Backends: opencl, aparapi, "
            + "reference (default: opencl, aparapi).")
    List<String> backends = new ArrayList<>(List.of("opencl", "aparapi"));

    @Option(names = {"--devices", "--device", "-d"}, paramLabel = "SEL", description = "OpenCL devices: an index, "
            + "part of a name, or 'all' (every real device; default).")
    String devices = "all";

    @Option(names = "--algos", split = ",", paramLabel = "ALGO", description = "Convolution algorithms: auto, direct, "
            + "im2col, winograd-2x2, winograd-4x4, winograd-fused-2x2, winograd-fused-4x4, nchwc-direct (default: auto).")
    List<String> algorithms = new ArrayList<>(List.of("auto"));

    @Option(names = "--batch", split = ",", paramLabel = "N", description = "Batch sizes of the throughput scenario "
            + "(default: 1, 8).")
    List<Integer> batches = new ArrayList<>(List.of(1, 8));

    @Option(names = "--scenarios", split = ",", paramLabel = "S", description = "latency, throughput, accuracy "
            + "(default: all).")
    List<String> scenarios = new ArrayList<>(BenchSettings.SCENARIOS);

    @Option(names = "--peers", split = ",", paramLabel = "P", description = "onnxruntime, clblast, or none "
            + "(default: both).")
    List<String> peers = new ArrayList<>(BenchSettings.PEERS);

    @Option(names = "--input-size", paramLabel = "N", description = "Input side for VGG and ResNet (default: 224, "
            + "32 with --quick); LeNet-5 and AlexNet keep their fixed size.")
    Integer inputSize;

    @Option(names = "--min-time", paramLabel = "S", description = "Each timed series runs at least S seconds "
            + "(default: 1, 0.2 with --quick).")
    Double minTime;

    @Option(names = "--min-samples", paramLabel = "N", description = "... and at least N runs (default: 10, 5 with "
            + "--quick).")
    Integer minSamples;

    @Option(names = "--warmup", paramLabel = "N", description = "Untimed runs before each series (default: 3, 1 "
            + "with --quick).")
    Integer warmup;

    @Option(names = "--accuracy-images", paramLabel = "N", description = "Images compared with the reference per "
            + "accuracy row (default: 8, 3 with --quick).")
    Integer accuracyImages;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of weights and inputs (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--out", paramLabel = "FILE", description = "Results file (default: "
            + "results/results-<UTC time>.json); the CSV goes next to it.")
    Path out;

    @Option(names = "--shard", paramLabel = "K/N|auto[/N]", description = "Run only the K-th of N disjoint parts of "
            + "the configuration matrix, balanced by expected cost; 'auto' reads K and N from a Slurm job array "
            + "(SLURM_ARRAY_TASK_ID ...) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with N from auto/N or "
            + "TESSERA_SHARD_COUNT). 'tessera report DIR' merges the shards.")
    String shard;

    @Option(names = "--quick", description = "Small inputs and few repetitions: the default set in minutes.")
    boolean quick;

    @Mixin
    KernelsOption kernels = new KernelsOption();

    @Option(names = "--no-probe", description = "Skip the peak probe of each device.")
    boolean noProbe;

    @Option(names = "--no-progress", description = "No progress bar (it is off anyway when stderr is not a "
            + "terminal: then one line per configuration).")
    boolean noProgress;

    @Option(names = "--json", description = "Print the results JSON to stdout instead of the summary table.")
    boolean json;

    @Option(names = "--no-report", description = "Make no report at the end (by default 'tessera report' runs on "
            + "the results file and writes <results name>-report/index.html beside it).")
    boolean noReport;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (givenNothing(spec.commandLine().getParseResult())) {
            quick = true;
        }
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        ShardSpec shardSpec = ShardSpec.parse(shard, System.getenv());
        if (out != null) {
            OutputPaths.requireFileCreatingFolders(out, "--out"); // before any work: a typo must not cost a run
        }
        String kernelFamily = kernels.choice();
        BenchSettings settings = settings(err);
        ResultFiles files = new ResultFiles(out != null ? out : Path.of("results", "results-"
                + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT)
                        .format(ZonedDateTime.now(ZoneOffset.UTC))
                + (shardSpec.sharded() ? "-shard-" + shardSpec.shard().index() + "-of-" + shardSpec.shard().count()
                        : "") + ".json"));
        String commandLine = "tessera " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        if (!settings.devices().isEmpty() && settings.probe()) {
            err.println("tessera bench: probing " + settings.devices().size() + " device(s) for their peaks ...");
            err.flush();
        }
        Environment environment = EnvironmentInfo.collect(commandLine, seed,
                settings.probe() ? settings.devices() : List.of(), quick);
        Progress progress = noProgress ? Progress.lines(err)
                : System.console() != null ? Progress.bar() : Progress.lines(err);
        Harness harness = new Harness(settings, (name, device) -> Backends.open(name, device, kernelFamily), progress)
                .shard(shardSpec);
        Thread onInterrupt = new Thread(() -> {
            files.finish(harness.interrupt());
            err.println();
            err.println("tessera bench: interrupted; what was measured is in " + files.json() + " and " + files.csv());
            err.flush();
        }, "tessera-bench-interrupt");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        BenchResults results;
        try {
            results = harness.run(environment, files::write);
            files.finish(results);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException e) {
                // already shutting down: the hook writes the file
            }
        }
        if (json) {
            stdout.println(new String(dev.tessera.reports.results.ResultsJson.toBytes(results),
                    java.nio.charset.StandardCharsets.UTF_8));
        } else {
            stdout.print(BenchSummary.table(results));
            if (shardSpec.sharded()) {
                stdout.println("shard " + results.fleet().shard() + " (" + shardSpec.scheduler() + "): "
                        + results.fleet().shardRows() + " of the matrix's " + results.fleet().matrixRows()
                        + " rows; matrix " + results.fleet().matrixId().substring(0, 12));
            }
            stdout.println("results: " + files.json());
            stdout.println("summary: " + files.csv());
        }
        stdout.flush();
        return noReport ? 0 : ReportCommand.afterBench(files.json(), json ? err : stdout, err);
    }

    /** Whether {@code tessera bench} was given no options of its own ({@code --verbose} aside): then it runs --quick. */
    static boolean givenNothing(picocli.CommandLine.ParseResult bench) {
        return bench.matchedOptions().stream()
                .allMatch(o -> o.longestName().equals("--verbose") || o.longestName().equals("--kernels"))
                && bench.matchedPositionals().isEmpty();
    }

    BenchSettings settings(PrintWriter err) {
        List<String> modelNames = lower(models);
        for (String m : modelNames) {
            if (!ModelZoo.names().contains(m)) {
                throw new IllegalArgumentException("unknown model '" + m + "'; see 'tessera models'");
            }
        }
        Integer size = inputSize != null ? inputSize : quick ? Integer.valueOf(32) : null;
        if (size != null) {
            for (String m : modelNames) {
                if (ModelZoo.acceptsOtherInputSizes(m)) {
                    ModelZoo.build(m, size); // rejects a size too small for the model's pools, with the reason
                }
            }
        }
        List<ConvAlgorithm> algos = lower(algorithms).stream().map(ConvAlgorithm::parse).toList();
        List<String> peerNames = lower(peers);
        if (peerNames.equals(List.of("none"))) {
            peerNames = List.of();
        }
        List<ClDevice> selected;
        try {
            selected = DeviceSelector.parse(devices).select(OpenClDevices.all());
        } catch (NoOpenClPlatformException e) {
            err.println("tessera bench: no OpenCL platform (" + TesseraCli.oneLine(e) + "); only the reference and "
                    + "ONNX Runtime can run");
            selected = List.of();
        }
        Sampler sampler = new Sampler(warmup != null ? warmup : quick ? 1 : 3,
                minSamples != null ? minSamples : quick ? 5 : 10, minTime != null ? minTime : quick ? 0.2 : 1.0,
                100_000);
        return new BenchSettings(quick, modelNames, size, lower(backends), devices, selected, algos, batches,
                lower(scenarios), peerNames, sampler, accuracyImages != null ? accuracyImages : quick ? 3 : 8, seed,
                !noProbe);
    }

    private static List<String> lower(List<String> values) {
        return values.stream().map(v -> v.strip().toLowerCase(Locale.ROOT)).toList();
    }

    /** The table printed at the end: one line per row. */
    static final class BenchSummary {
        private BenchSummary() {
        }

        static String table(BenchResults results) {
            TextTable t = new TextTable("configuration", "status", "median ms", "img/s", "rel L2", "vs peer", "note");
            for (ResultRow r : results.rows()) {
                String median = r.endToEndMs() == null ? "" : fmt(r.endToEndMs().median());
                String ips = r.imagesPerSecondEndToEnd() == null ? "" : fmt(r.imagesPerSecondEndToEnd());
                String l2 = r.accuracy() == null ? "" : String.format(Locale.ROOT, "%.2e", r.accuracy().relativeL2Mean());
                String peer = r.peerComparisons().isEmpty() ? ""
                        : r.peerComparisons().stream().map(c -> c.peer() + " x" + fmt(c.ratio()))
                                .reduce((a, b) -> a + ", " + b).orElse("");
                String note = r.status().equals(ResultRow.OK) ? "" : r.reason();
                if (note.length() > 70) {
                    note = note.substring(0, 67) + "...";
                }
                t.row(r.id(), r.status(), median, ips, l2, peer, note);
            }
            return t.render() + String.format(Locale.ROOT, "%d rows in %.0f s; times are end to end (with host "
                    + "transfers); 'vs peer' is our figure / the peer's.%n", results.rows().size(), results.wallS());
        }

        private static String fmt(double v) {
            return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
        }
    }
}
