package dev.tessera.bench.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.tessera.backend.opencl.KernelFamily;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.opencl.gpu.GpuGemmTuner;
import dev.tessera.backend.opencl.gpu.KernelParameterStore;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.ProgramCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tessera tune}: searches the GPU family's GEMM parameters on each chosen device within a time budget, every
 * candidate checked against a double-precision product before it may win, and stores the best in the per-device kernel
 * parameter store, which the OpenCL backend then uses for the GPU family.
 */
@Command(name = "tune", mixinStandardHelpOptions = true, description = {
        "Search the GPU kernel family's GEMM parameters on a device within a time budget (each candidate verified "
                + "against a double-precision product) and store the fastest for that device; later runs of the GPU "
                + "family use them."})
final class TuneCommand implements Callable<Integer> {
    @Mixin
    DeviceOption deviceOption = new DeviceOption("0");

    @Option(names = "--budget", paramLabel = "SECONDS", defaultValue = "60", description = "Time for the search per "
            + "device (builds included); no candidate starts after it. Default: ${DEFAULT-VALUE}.")
    double budget;

    @Option(names = "--kernels", paramLabel = "gpu|auto", defaultValue = "gpu", description = "The family to tune: "
            + "gpu (default), or auto (by device type; the cpu family has no tunables here and is refused).")
    String kernels;

    @Option(names = "--size", paramLabel = "M,N,K", split = ",", description = "The GEMM tuned on (default 128,1024,576: "
            + "a 3x3 convolution of 64 channels to 128 on a 32x32 image).")
    List<Integer> size;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of the candidate order and the "
            + "operands. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--json", description = "Print a JSON array, one object per device: the tuning problem, every "
            + "candidate (parameters, GFLOP/s, error, status), the best and the baseline, and the store file.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!(budget > 0)) {
            throw new IllegalArgumentException("--budget must be positive seconds: " + budget);
        }
        String problem = KernelFamily.invalidChoice(kernels);
        if (problem != null) {
            throw new IllegalArgumentException("--kernels: " + problem);
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
        for (ClDevice device : devices) {
            KernelParameterStore store = KernelParameterStore.open(
                    OpenClBackend.kernelStore(ProgramCache.defaultRoot().resolve("tuning")), device.info());
            if (!json) {
                err.printf(Locale.ROOT, "tessera tune: #%d %s, GEMM %dx%dx%d, budget %.0f s ...%n", device.index(),
                        device.name(), mnk.get(0), mnk.get(1), mnk.get(2), budget);
                err.flush();
            }
            GpuGemmTuner.Result result;
            try (ClContext context = ClContext.open(device)) {
                result = new GpuGemmTuner(context, device.info(), mnk.get(0), mnk.get(1), mnk.get(2))
                        .search(budget, seed);
            }
            String stored = null;
            if (result.best() != null) {
                String how = String.format(Locale.ROOT, "tune %s, %d candidates in %.0f s on %dx%dx%d, %.1f GFLOP/s "
                        + "(table default %s)", Instant.now().truncatedTo(ChronoUnit.SECONDS), result.candidates().size(),
                        result.seconds(), result.m(), result.n(), result.k(), result.best().gflops(),
                        Double.isNaN(result.baseline().gflops()) ? result.baseline().status()
                                : String.format(Locale.ROOT, "%.1f GFLOP/s", result.baseline().gflops()));
                store.storeGemm(new KernelParameterStore.Tuned(result.best().xgemm(), result.best().gflops(), how));
                stored = store.file() == null ? null : store.file().toString();
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("device_index", device.index());
            report.put("device", device.name());
            report.put("problem", Map.of("m", result.m(), "n", result.n(), "k", result.k()));
            report.put("seconds", result.seconds());
            report.put("baseline", candidate(result.baseline()));
            report.put("best", result.best() == null ? null : candidate(result.best()));
            report.put("stored", stored);
            report.put("candidates", result.candidates().stream().map(TuneCommand::candidate).toList());
            reports.add(report);
            if (!json) {
                TextTable table = new TextTable("parameters", "GFLOP/s", "rel. L2 error", "status");
                for (GpuGemmTuner.Candidate c : result.candidates()) {
                    table.row(c.xgemm().toString(), Double.isNaN(c.gflops()) ? "-"
                            : String.format(Locale.ROOT, "%.2f", c.gflops()), Double.isNaN(c.relativeL2()) ? "-"
                            : String.format(Locale.ROOT, "%.1e", c.relativeL2()), c.status());
                }
                out.print(table.render());
                if (result.best() == null) {
                    out.println("no candidate passed the check; nothing stored");
                } else {
                    out.printf(Locale.ROOT, "best: %s, %.2f GFLOP/s (table default: %s); stored in %s%n",
                            result.best().xgemm(), result.best().gflops(), result.baseline().status().equals("ok")
                                    ? String.format(Locale.ROOT, "%.2f GFLOP/s", result.baseline().gflops())
                                    : result.baseline().status(), stored);
                }
            }
        }
        if (json) {
            out.println(Json.write(reports));
        }
        out.flush();
        return reports.stream().allMatch(r -> r.get("best") != null) ? 0 : 1;
    }

    private static Map<String, Object> candidate(GpuGemmTuner.Candidate c) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("parameters", c.xgemm().asMap());
        map.put("gflops", Double.isNaN(c.gflops()) ? null : c.gflops());
        map.put("relative_l2", Double.isNaN(c.relativeL2()) ? null : c.relativeL2());
        map.put("status", c.status());
        return map;
    }
}
