package dev.tessera.bench.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.tessera.backend.opencl.GpuOperatorTuner;
import dev.tessera.backend.opencl.common.KernelFamily;
import dev.tessera.backend.opencl.KernelSelection;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.opencl.gpu.GpuGemmTuner;
import dev.tessera.backend.opencl.gpu.GpuOperatorParameters;
import dev.tessera.backend.opencl.gpu.KernelParameterStore;
import dev.tessera.backend.opencl.gpu.TuningSearch;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.ProgramCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tessera tune}: searches the GPU family's kernel parameters on each chosen device within a time budget: the
 * GEMM's (on an im2col-shaped product), then each operator group's (convolution tiles, pooling, LRN, element-wise,
 * reductions) on representative ResNet-50 / VGG-16 layers. Every candidate is checked against the double-precision
 * reference before it may win; candidates beyond the device's limits are listed as refused with the reasons. The
 * winners go to the per-device kernel parameter store, which {@code op}, {@code run} and {@code bench} then use for
 * the GPU family (their {@code --json} says per group whether the values are tuned or from the table).
 */
@Command(name = "tune", mixinStandardHelpOptions = true, description = {
        "Search the GPU kernel family's parameters on a device within a time budget: the GEMM, then the convolution "
                + "tiles, pooling, LRN, element-wise and reduction kernels on ResNet-50/VGG-16 layers. Each candidate "
                + "is verified against the double-precision reference before it may win; the fastest are stored for "
                + "that device and used by later runs of the GPU family."})
final class TuneCommand implements Callable<Integer> {
    /** Everything tune can search, in order. */
    static final List<String> TARGETS = List.of("gemm", "conv", "pool", "lrn", "eltwise", "reduce");

    @Mixin
    DeviceOption deviceOption = new DeviceOption("0");

    @Option(names = "--budget", paramLabel = "SECONDS", defaultValue = "60", description = "Time for the whole search "
            + "per device (builds included), shared among the operators searched (what one leaves goes to the next); "
            + "no candidate starts after its share. Default: ${DEFAULT-VALUE}.")
    double budget;

    @Option(names = "--kernels", paramLabel = "gpu|auto", defaultValue = "gpu", description = "The family to tune: "
            + "gpu (default), or auto (by device type; the cpu family has no tunables here and is refused).")
    String kernels;

    @Option(names = "--operators", paramLabel = "LIST", split = ",", description = "What to search, in order: any of "
            + "gemm, conv, pool, lrn, eltwise, reduce (default: all).")
    List<String> operators;

    @Option(names = "--size", paramLabel = "M,N,K", split = ",", description = "The GEMM tuned on (default 128,1024,576: "
            + "a 3x3 convolution of 64 channels to 128 on a 32x32 image).")
    List<Integer> size;

    @Option(names = "--scale", paramLabel = "N", defaultValue = "1", hidden = true, description = "Divide the operator "
            + "problems' sizes by N (for tests).")
    int scale;

    @Option(names = "--confirm", paramLabel = "ROUNDS", defaultValue = "0", description = "After each search, re-time "
            + "the baseline and the best round-robin ROUNDS times (outside the budget; 0: not): the best is stored only "
            + "if the median of best/baseline is below 1, else the baseline is kept. Default: ${DEFAULT-VALUE}.")
    int confirm;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of the candidate order and the "
            + "operands. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--json", description = "Print a JSON array, one object per device: per operator searched, its "
            + "problems, every candidate (parameters, time, error, status), the best and the baseline; and the store "
            + "file.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!(budget > 0)) {
            throw new IllegalArgumentException("--budget must be positive seconds: " + budget);
        }
        if (confirm < 0) {
            throw new IllegalArgumentException("--confirm must be 0 or more rounds: " + confirm);
        }
        if (scale < 1) {
            throw new IllegalArgumentException("--scale must be at least 1: " + scale);
        }
        String problem = KernelFamily.invalidChoice(kernels);
        if (problem != null) {
            throw new IllegalArgumentException("--kernels: " + problem);
        }
        List<String> targets = operators == null ? TARGETS : operators;
        for (String target : targets) {
            if (!TARGETS.contains(target)) {
                throw new IllegalArgumentException("--operators: unknown '" + target + "'; choose from "
                        + String.join(", ", TARGETS));
            }
        }
        List<Integer> mnk = size == null ? List.of(128, 1024, 576) : size;
        if (mnk.size() != 3 || mnk.stream().anyMatch(v -> v < 1)) {
            throw new IllegalArgumentException("--size needs three positive numbers M,N,K: " + mnk);
        }
        List<ClDevice> devices = deviceOption.devices();
        for (ClDevice device : devices) {
            if (KernelFamily.resolve(kernels, device.info()) == KernelFamily.CPU) {
                throw new IllegalArgumentException("the cpu kernel family has no tunable parameters (its GEMM tile "
                        + "follows the device's vector registers); " + device.name() + " is a CPU: use --kernels gpu");
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Map<String, Object>> reports = new ArrayList<>();
        boolean allFound = true;
        Path storeDir = OpenClBackend.kernelStore(ProgramCache.defaultRoot().resolve("tuning"));
        for (ClDevice device : devices) {
            KernelParameterStore store = KernelParameterStore.open(storeDir, device.info());
            if (!json) {
                err.printf(Locale.ROOT, "tessera tune: #%d %s, %s, budget %.0f s ...%n", device.index(),
                        device.name(), String.join(", ", targets), budget);
                err.flush();
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("device_index", device.index());
            report.put("device", device.name());
            report.put("budget_s", budget);
            report.put("kernel_sources", KernelParameterStore.sourceHash());
            Map<String, Object> searches = new LinkedHashMap<>();
            long start = System.nanoTime();
            for (int t = 0; t < targets.size(); t++) {
                double left = budget - (System.nanoTime() - start) / 1e9;
                double share = Math.max(0, left) / (targets.size() - t);
                String target = targets.get(t);
                Map<String, Object> search = target.equals("gemm") ? tuneGemm(device, store, mnk, share, out)
                        : tuneGroup(device, store, target, share, out);
                allFound &= search.get("best") != null;
                searches.put(target, search);
            }
            report.put("seconds", (System.nanoTime() - start) / 1e9);
            report.put("searches", searches);
            report.put("stored", store.file() == null ? null : store.file().toString());
            reports.add(report);
        }
        if (json) {
            out.println(Json.write(reports));
        }
        out.flush();
        return allFound ? 0 : 1;
    }

    private Map<String, Object> tuneGemm(ClDevice device, KernelParameterStore store, List<Integer> mnk,
            double share, PrintWriter out) throws IOException {
        KernelSelection current = KernelSelection.resolve("gpu", device.info(), storeDirOf(store));
        GpuGemmTuner.Result result;
        try (ClContext context = ClContext.open(device)) {
            result = new GpuGemmTuner(context, device.info(), mnk.get(0), mnk.get(1), mnk.get(2))
                    .search(share, seed, current.xgemm(), confirm);
        }
        boolean keep = TuningSearch.keepBaseline(result.confirmRatios());
        GpuGemmTuner.Candidate stored = keep ? result.baseline() : result.best();
        if (stored != null) {
            String how = String.format(Locale.ROOT, "tune %s, %d candidates in %.0f s on %dx%dx%d, %.1f GFLOP/s "
                    + "(baseline %s)%s", Instant.now().truncatedTo(ChronoUnit.SECONDS), result.candidates().size(),
                    result.seconds(), result.m(), result.n(), result.k(), result.best().gflops(),
                    Double.isNaN(result.baseline().gflops()) ? result.baseline().status()
                            : String.format(Locale.ROOT, "%.1f GFLOP/s", result.baseline().gflops()),
                    keptLine(keep, result.confirmRatios()));
            store.storeGemm(new KernelParameterStore.Tuned(stored.xgemm(), stored.gflops(), how));
        }
        Map<String, Object> search = new LinkedHashMap<>();
        Map<String, Integer> mnkMap = new LinkedHashMap<>();
        mnkMap.put("m", result.m());
        mnkMap.put("n", result.n());
        mnkMap.put("k", result.k());
        search.put("problem", mnkMap);
        search.put("budget_s", share);
        search.put("seconds", result.seconds());
        search.put("baseline", gemmCandidate(result.baseline()));
        search.put("best", result.best() == null ? null : gemmCandidate(result.best()));
        search.put("candidates", result.candidates().stream().map(TuneCommand::gemmCandidate).toList());
        search.put("confirm", confirmation(result.confirmRatios()));
        search.put("stored", stored == null ? null : stored.xgemm().asMap());
        if (!json) {
            out.printf(Locale.ROOT, "== gemm %dx%dx%d (%.1f s of %.1f s)%n", result.m(), result.n(), result.k(),
                    result.seconds(), share);
            TextTable table = new TextTable("parameters", "GFLOP/s", "rel. L2 error", "status");
            for (GpuGemmTuner.Candidate c : result.candidates()) {
                table.row(c.xgemm().toString(), Double.isNaN(c.gflops()) ? "-"
                        : String.format(Locale.ROOT, "%.2f", c.gflops()), error(c.relativeL2()), c.status());
            }
            out.print(table.render());
            out.println(result.best() == null ? "no candidate passed the check; nothing stored"
                    : String.format(Locale.ROOT, "best: %s, %.2f GFLOP/s (baseline: %s); stored in %s",
                            result.best().xgemm(), result.best().gflops(), result.baseline().status().equals("ok")
                                    ? String.format(Locale.ROOT, "%.2f GFLOP/s", result.baseline().gflops())
                                    : result.baseline().status(), store.file())
                            + confirmLine(result.confirmRatios()) + keptLine(keep, result.confirmRatios()));
        }
        return search;
    }

    private Map<String, Object> tuneGroup(ClDevice device, KernelParameterStore store, String group, double share,
            PrintWriter out) throws IOException {
        KernelSelection current = KernelSelection.resolve("gpu", device.info(), storeDirOf(store));
        List<GpuOperatorTuner.Problem> problems = GpuOperatorTuner.representative(scale).get(group);
        GpuOperatorTuner tuner = new GpuOperatorTuner(device, ProgramCache.defaultCache(), current, System::nanoTime);
        TuningSearch.Result<GpuOperatorParameters> result = tuner.search(group, problems, share, seed);
        List<Double> ratios = tuner.confirm(group, problems, result, confirm);
        TuningSearch.Candidate<GpuOperatorParameters> best = result.best();
        TuningSearch.Candidate<GpuOperatorParameters> baseline = result.baseline();
        boolean keep = TuningSearch.keepBaseline(ratios);
        TuningSearch.Candidate<GpuOperatorParameters> stored = TuningSearch.winner(result, ratios);
        if (stored != null) {
            String how = String.format(Locale.ROOT, "tune %s, %d candidates (%d refused) in %.0f s, %.3f ms "
                    + "(baseline %s)%s", Instant.now().truncatedTo(ChronoUnit.SECONDS), result.candidates().size(),
                    result.refused().size(), result.seconds(), best.seconds() * 1e3, baseline.ok()
                            ? String.format(Locale.ROOT, "%.3f ms", baseline.seconds() * 1e3) : baseline.status(),
                    keptLine(keep, ratios));
            store.storeGroup(group, new KernelParameterStore.TunedGroup(stored.parameters().group(group), how));
        }
        Map<String, Object> search = new LinkedHashMap<>();
        search.put("problems", problems.stream().map(GpuOperatorTuner.Problem::name).toList());
        search.put("budget_s", share);
        search.put("seconds", result.seconds());
        search.put("baseline", groupCandidate(group, baseline));
        search.put("best", best == null ? null : groupCandidate(group, best));
        search.put("refused", result.refused().size());
        search.put("candidates", result.candidates().stream().map(c -> groupCandidate(group, c)).toList());
        search.put("confirm", confirmation(ratios));
        search.put("stored", stored == null ? null : stored.parameters().group(group));
        if (!json) {
            out.printf(Locale.ROOT, "== %s: %s (%.1f s of %.1f s)%n", group, String.join("; ",
                    problems.stream().map(GpuOperatorTuner.Problem::name).toList()), result.seconds(), share);
            TextTable table = new TextTable("parameters", "ms", "rel. L2 error", "status");
            for (var c : result.candidates()) {
                table.row(c.parameters().group(group).toString(), c.ok()
                        ? String.format(Locale.ROOT, "%.3f", c.seconds() * 1e3) : "-", error(c.relativeL2()),
                        c.status());
            }
            out.print(table.render());
            out.println(best == null ? "no candidate passed the check; nothing stored for " + group
                    : String.format(Locale.ROOT, "best: %s, %.3f ms (baseline: %s); stored in %s",
                            best.parameters().group(group), best.seconds() * 1e3, baseline.ok()
                                    ? String.format(Locale.ROOT, "%.3f ms", baseline.seconds() * 1e3)
                                    : baseline.status(), store.file()) + confirmLine(ratios)
                            + keptLine(keep, ratios));
        }
        return search;
    }

    /** The confirmation rounds' ratios and their median (null when none ran). */
    private static Map<String, Object> confirmation(List<Double> ratios) {
        if (ratios.isEmpty()) {
            return null;
        }
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("rounds", ratios.size());
        map.put("best_over_baseline", ratios);
        map.put("median", TuningSearch.median(ratios));
        return map;
    }

    private static String keptLine(boolean keep, List<Double> ratios) {
        return keep ? String.format(Locale.ROOT, "; kept the baseline: round-robin best/baseline median %.2f is not "
                + "faster", TuningSearch.median(ratios)) : "";
    }

    private static String confirmLine(List<Double> ratios) {
        return ratios.isEmpty() ? "" : String.format(Locale.ROOT, "; confirmed over %d round-robin rounds: best/baseline "
                + "median %.2f (min %.2f, max %.2f)", ratios.size(), TuningSearch.median(ratios),
                ratios.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                ratios.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
    }

    private static Path storeDirOf(KernelParameterStore store) {
        return store.file() == null ? null : store.file().getParent();
    }

    private static String error(double relativeL2) {
        return Double.isNaN(relativeL2) ? "-" : String.format(Locale.ROOT, "%.1e", relativeL2);
    }

    private static Map<String, Object> gemmCandidate(GpuGemmTuner.Candidate c) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("parameters", c.xgemm().asMap());
        map.put("gflops", Double.isNaN(c.gflops()) ? null : c.gflops());
        map.put("relative_l2", Double.isNaN(c.relativeL2()) ? null : c.relativeL2());
        map.put("status", c.status());
        return map;
    }

    private static Map<String, Object> groupCandidate(String group, TuningSearch.Candidate<GpuOperatorParameters> c) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("parameters", c.parameters().group(group));
        map.put("ms", c.ok() ? c.seconds() * 1e3 : null);
        map.put("relative_l2", Double.isNaN(c.relativeL2()) ? null : c.relativeL2());
        map.put("status", c.status());
        return map;
    }
}
