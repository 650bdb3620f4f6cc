package dev.tessera.bench.harness;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.tessera.backend.Backend;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvAlgorithms;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.CompiledGraph;
import dev.tessera.models.Model;
import dev.tessera.models.ModelZoo;
import dev.tessera.opencl.ClDevice;
import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.Environment;
import dev.tessera.reports.results.ResultRow;

/**
 * Runs {@code tessera bench}: plans every configuration (device x backend x model x algorithm x batch, the peers, the
 * MNIST check), runs them one by one, turns each failure into a status row and goes on, and hands the whole result
 * to a sink after every configuration (the CLI writes it atomically). {@link #interrupt} stops between runs and
 * gives what was measured, the configurations not reached as "interrupted" rows.
 */
public final class Harness {
    /** Opens a backend by name on a device (null for the reference backend). */
    public interface BackendOpener {
        Backend open(String backend, ClDevice device);
    }

    /** One unit of work: the rows it will produce, known up front, and how to produce them. */
    record Task(String label, long weight, List<RowKey> keys, TaskBody body) {
    }

    interface TaskBody {
        List<ResultRow> run() throws Exception;
    }

    private final BenchSettings settings;
    private final BackendOpener opener;
    private final Progress progress;
    private final ReferenceOutputs reference;
    private final MnistCheck mnist;
    private final Map<String, Model> models = new LinkedHashMap<>();
    private final Map<String, Object> backends = new HashMap<>();
    private final List<ResultRow> rows = new ArrayList<>();
    private final Instant started = Instant.now();
    private volatile boolean stopping;
    private List<Task> plan = List.of();
    private Environment environment;
    private ShardSpec shard = ShardSpec.NONE;
    private volatile dev.tessera.reports.results.FleetInfo fleet;

    public Harness(BenchSettings settings, BackendOpener opener, Progress progress) {
        this(settings, opener, progress, MnistCheck.Source.standard());
    }

    Harness(BenchSettings settings, BackendOpener opener, Progress progress, MnistCheck.Source mnist) {
        this.settings = settings;
        this.opener = opener;
        this.progress = progress;
        this.reference = new ReferenceOutputs(settings.seed());
        this.mnist = new MnistCheck(mnist);
    }

    /** Runs only one shard of the configuration matrix (docs/RESULTS.md, {@code fleet}); the default is all of it. */
    public Harness shard(ShardSpec spec) {
        this.shard = spec;
        return this;
    }

    /**
     * Runs everything, calling {@code sink} with the results so far (status "running") after each configuration and
     * returns the final results (status "complete", or "interrupted").
     */
    public BenchResults run(Environment env, Consumer<BenchResults> sink) {
        this.environment = env;
        List<Task> full = plan();
        plan = ShardPlan.select(full, ShardPlan::cost, shard.shard());
        fleet = FleetInfos.of(env, settings, shard, full, plan);
        progress.begin(plan.stream().mapToLong(Task::weight).sum());
        try {
            for (Task task : plan) {
                if (stopping) {
                    break;
                }
                progress.step(task.label());
                List<ResultRow> produced = runTask(task);
                synchronized (this) {
                    if (stopping) {
                        break;
                    }
                    rows.addAll(produced);
                }
                progress.advance(task.weight(), statusOf(produced));
                sink.accept(snapshot("running"));
            }
        } finally {
            progress.close();
            closeBackends();
        }
        return snapshot(stopping ? "interrupted" : "complete");
    }

    /** Stops between runs; returns what was measured, the rest as interrupted rows. Safe from another thread. */
    public BenchResults interrupt() {
        stopping = true;
        return snapshot("interrupted");
    }

    /** The results now: measured rows, then (when not complete) every planned row not yet run as interrupted. */
    public synchronized BenchResults snapshot(String status) {
        List<ResultRow> all = new ArrayList<>(rows);
        if (!status.equals("running") && !status.equals("complete")) {
            java.util.Set<String> done = new java.util.HashSet<>();
            rows.forEach(r -> done.add(r.id()));
            for (Task task : plan) {
                for (RowKey key : task.keys()) {
                    if (!done.contains(key.id())) {
                        all.add(key.failed(ResultRow.INTERRUPTED, "the run was interrupted before this configuration",
                                0));
                    }
                }
            }
        }
        Instant now = Instant.now();
        return new BenchResults(BenchResults.SCHEMA, BenchResults.VERSION, status, started.toString(), now.toString(),
                Duration.between(started, now).toMillis() / 1000.0, environment, settings.toRecord(),
                Comparisons.link(all), fleet);
    }

    private List<ResultRow> runTask(Task task) {
        long start = System.nanoTime();
        try {
            return task.body().run();
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError && !(t instanceof OutOfMemoryError)) {
                throw (VirtualMachineError) t;
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            List<ResultRow> failed = new ArrayList<>();
            for (RowKey key : task.keys()) {
                failed.add(key.failed(Failures.status(t), Failures.reason(t), elapsed));
            }
            return failed;
        }
    }

    private static String statusOf(List<ResultRow> produced) {
        long ok = produced.stream().filter(r -> r.status().equals(ResultRow.OK)).count();
        return ok == produced.size() ? "ok" : ok + "/" + produced.size() + " ok";
    }

    // ---- planning

    List<Task> plan() {
        List<Task> tasks = new ArrayList<>();
        List<Integer> compileBatches = new ArrayList<>();
        if (settings.has("latency") || settings.has("accuracy") || (settings.has("throughput")
                && settings.batches().contains(1))) {
            compileBatches.add(1);
        }
        if (settings.has("throughput")) {
            settings.batches().stream().filter(b -> b != 1).forEach(compileBatches::add);
        }
        for (String backend : settings.backends()) {
            // with no OpenCL device the rows still appear, each saying so
            List<ClDevice> devices = backend.equals("reference") || settings.devices().isEmpty()
                    ? java.util.Collections.singletonList(null) : settings.devices();
            for (ClDevice device : devices) {
                for (String name : settings.models()) {
                    for (ConvAlgorithm algorithm : settings.algorithms()) {
                        for (int batch : compileBatches) {
                            tasks.add(modelTask(backend, device, name, algorithm, batch));
                        }
                        if (name.equals("lenet5") && settings.has("accuracy")) {
                            tasks.add(mnist.task(this, backend, device, algorithm));
                        }
                    }
                }
            }
        }
        if (settings.hasPeer("clblast")) {
            for (ClDevice device : settings.devices()) {
                for (String name : settings.models()) {
                    tasks.add(ClBlastPeerRuns.task(this, device, name));
                }
            }
        }
        if (settings.hasPeer("onnxruntime")) {
            for (String name : settings.models()) {
                tasks.add(OnnxPeerRuns.task(this, name, compileBatches));
            }
        }
        return tasks;
    }

    private Task modelTask(String backend, ClDevice device, String name, ConvAlgorithm algorithm, int batch) {
        RowKey base = key("latency", backend, device, name, algorithm.id(), batch);
        List<RowKey> keys = new ArrayList<>();
        if (batch == 1 && settings.has("latency")) {
            keys.add(base);
        }
        if (settings.has("throughput") && settings.batches().contains(batch)) {
            keys.add(base.withScenario("throughput", batch));
        }
        if (batch == 1 && settings.has("accuracy")) {
            keys.add(base.withScenario("accuracy", 1));
        }
        String label = backend + " " + (device == null ? "cpu" : "#" + device.index()) + " " + name + " "
                + algorithm.id() + " b" + batch;
        long weight = weight(name, batch) * keys.size();
        return new Task(label, weight, keys, () -> measureModel(keys, backend, device, name, algorithm, batch));
    }

    private List<ResultRow> measureModel(List<RowKey> keys, String backendName, ClDevice device, String name,
            ConvAlgorithm algorithm, int batch) {
        Backend backend = backend(backendName, device);
        Model model = model(name);
        GraphMeasurements measure = new GraphMeasurements(settings.sampler(), () -> stopping);
        List<ResultRow> out = new ArrayList<>();
        long compileStart = System.nanoTime();
        try (CompiledGraph graph = model.compile(backend, batch, ConvAlgorithms.of(algorithm))) {
            CompiledGraph.Preparation p = graph.preparation();
            ResultRow.Preparation preparation = new ResultRow.Preparation(p.buildMs(), p.prepareMs(), p.tuneMs(),
                    p.totalMs());
            List<String> notes = new ArrayList<>();
            if (backend instanceof OpenClBackend opencl) {
                notes.add("kernels: " + opencl.kernels().summary() + ", " + opencl.kernels().origin());
                if (opencl.kernels().operators() != null) {
                    notes.add("kernel parameters: " + opencl.kernels().operators().parameters() + ", "
                            + opencl.kernels().operators().origin());
                }
            }
            graph.layers().stream().filter(l -> !l.note().isEmpty()).map(l -> l.node() + ": " + l.note())
                    .forEach(notes::add);
            double compileS = (System.nanoTime() - compileStart) / 1e9;
            Tensor input = BenchInputs.timing(model, batch, settings.seed());
            for (RowKey key : keys) {
                long start = System.nanoTime();
                RowKey.RowBuilder row = key.row().preparation(preparation).notes(notes);
                try {
                    switch (key.scenario()) {
                        case "latency" -> {
                            measure.latency(row, model, measure.time(graph, input),
                                    graph.layers().stream().map(CompiledGraph.PlannedLayer::note).toList());
                        }
                        case "throughput" -> {
                            GraphMeasurements.Timed own = measure.time(graph, input);
                            GraphMeasurements.throughput(row, batch, own.endToEnd(), own.resident());
                        }
                        default -> row.accuracy(GraphMeasurements.accuracy(model, settings.accuracyImages(),
                                reference, i -> graph.runAll(BenchInputs.image(model, i, settings.seed())), true,
                                () -> stopping));
                    }
                    row.ranOn(graph.ranOn());
                    double elapsed = (System.nanoTime() - start) / 1e9 + (out.isEmpty() ? compileS : 0);
                    out.add(row.elapsedS(elapsed).build());
                } catch (RuntimeException | OutOfMemoryError e) {
                    out.add(key.failed(Failures.status(e), Failures.reason(e), (System.nanoTime() - start) / 1e9));
                }
            }
        }
        return out;
    }

    // ---- shared state for the tasks

    BenchSettings settings() {
        return settings;
    }

    ReferenceOutputs reference() {
        return reference;
    }

    boolean stopping() {
        return stopping;
    }

    /** The model, built and initialised from the seed once per run. */
    synchronized Model model(String name) {
        return models.computeIfAbsent(name, n -> {
            Model m = ModelZoo.acceptsOtherInputSizes(n) && settings.inputSize() != null
                    ? ModelZoo.build(n, settings.inputSize()) : ModelZoo.build(n);
            return m.initialise(settings.seed());
        });
    }

    List<Integer> inputShape(String name) {
        return java.util.Arrays.stream(model(name).inputShape()).boxed().toList();
    }

    RowKey key(String scenario, String backend, ClDevice device, String model, String algorithm, int batch) {
        return new RowKey(scenario, backend, device == null ? null : device.index(),
                device == null ? "cpu" : device.name(), model, inputShape(model), algorithm, batch);
    }

    /** A rough cost for the progress bar's ETA: proportional to the model's MACs and the batch. */
    long weight(String name, int batch) {
        return Math.max(1, model(name).macs() * batch / 10_000_000L);
    }

    /** The backend, opened once per (name, device); a failure to open is remembered and thrown again. */
    Backend backend(String name, ClDevice device) {
        if (device == null && !name.equals("reference")) {
            throw new UnsupportedOperationException("no OpenCL device to run the " + name + " backend on (see "
                    + "'tessera devices')");
        }
        String key = name + "|" + (device == null ? "" : device.index());
        Object b = backends.computeIfAbsent(key, k -> {
            try {
                return opener.open(name, device);
            } catch (RuntimeException e) {
                return e;
            }
        });
        if (b instanceof RuntimeException e) {
            throw e;
        }
        return (Backend) b;
    }

    private void closeBackends() {
        for (Object b : backends.values()) {
            if (b instanceof Backend backend) {
                try {
                    backend.close();
                } catch (RuntimeException e) {
                    // closing after a failed run: nothing more to report than the row already says
                }
            }
        }
        backends.clear();
    }
}
