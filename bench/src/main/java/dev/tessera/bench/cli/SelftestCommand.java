package dev.tessera.bench.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.tessera.aparapi.AparapiBackend;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.opencl.SelfTest;
import dev.tessera.opencl.ClDevice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tessera selftest}: every operator and convolution solver on small shapes with the edge cases, on the chosen
 * devices, against the double-precision reference. Prints pass or fail with the error figure per check; exit code 1 if
 * anything failed.
 */
@Command(name = "selftest", mixinStandardHelpOptions = true, description = {
        "Check every operator and convolution algorithm on a device against the double-precision reference: pass or "
                + "fail with the relative L2 error per check. Exit code 1 if any check failed."})
final class SelftestCommand implements Callable<Integer> {
    @Mixin
    DeviceOption deviceOption = new DeviceOption("all");

    @Option(names = "--json", description = "Print a JSON array, one object per device with its checks.")
    boolean json;

    @Option(names = "--backend", defaultValue = "opencl", paramLabel = "NAME", description = "opencl (every "
            + "hand-written kernel and convolution solver) or aparapi (Aparapi's kernels, conv2d direct and im2col; a "
            + "kernel that ran in Aparapi's Java thread pool fails its check). Default: ${DEFAULT-VALUE}.")
    String backend;

    @Mixin
    AparapiOptions aparapi = new AparapiOptions();

    @Mixin
    KernelsOption kernels = new KernelsOption();

    @Spec
    CommandSpec spec;

    /** What `--json` prints per device. */
    record DeviceReport(String backend, int deviceIndex, String device, String driver, Map<String, Object> kernels,
            int passed, int failed, int notApplicable, List<SelfTest.Check> checks) {
    }

    /** A device's checks and the kernels they ran (null for the aparapi backend). */
    private record Outcome(List<SelfTest.Check> checks, Map<String, Object> kernels) {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        aparapi.requireAparapi(backend);
        kernels.requireOpenCl(backend);
        if (!backend.equalsIgnoreCase("opencl") && !backend.equalsIgnoreCase("aparapi")) {
            throw new IllegalArgumentException("selftest checks the opencl or the aparapi backend, not '" + backend
                    + "'");
        }
        List<DeviceReport> reports = new ArrayList<>();
        for (ClDevice device : deviceOption.devices()) {
            Outcome outcome = checks(device);
            List<SelfTest.Check> checks = outcome.checks();
            Map<String, Long> counts = new LinkedHashMap<>();
            checks.forEach(c -> counts.merge(c.status(), 1L, Long::sum));
            DeviceReport report = new DeviceReport(backend.toLowerCase(Locale.ROOT), device.index(), device.name(),
                    device.info().driverVersion(), outcome.kernels(),
                    counts.getOrDefault("PASS", 0L).intValue(), counts.getOrDefault("FAIL", 0L).intValue(),
                    counts.getOrDefault("N/A", 0L).intValue(), checks);
            reports.add(report);
            if (!json) {
                out.printf("#%d %s (%s), %s backend%s%n", report.deviceIndex(), report.device(), report.driver(),
                        report.backend(), report.kernels() == null ? "" : ", kernels " + report.kernels());
                TextTable table = new TextTable("result", "operator", "algorithm", "case", "rel. L2 error", "bound");
                for (SelfTest.Check c : checks) {
                    table.row(c.status(), c.operator(), c.algorithm(), c.description(),
                            Double.isNaN(c.relativeL2()) ? "-" : String.format(Locale.ROOT, "%.2e", c.relativeL2()),
                            String.format(Locale.ROOT, "%.0e", c.tolerance()));
                }
                out.print(table.render());
                checks.stream().filter(c -> !c.detail().isEmpty() && c.failed())
                        .forEach(c -> out.println("FAIL " + c.operator() + " " + c.algorithm() + ": " + c.detail()));
                out.printf("%d passed, %d failed, %d not applicable%n%n", report.passed(), report.failed(),
                        report.notApplicable());
            }
        }
        if (json) {
            out.println(Json.write(reports));
        }
        out.flush();
        return reports.stream().anyMatch(r -> r.failed() > 0) ? 1 : 0;
    }

    private Outcome checks(ClDevice device) {
        if (backend.equalsIgnoreCase("aparapi")) {
            try (AparapiBackend b = AparapiBackend.open(device, aparapi.options())) {
                return new Outcome(SelfTest.run(b, List.of(ConvAlgorithm.DIRECT, ConvAlgorithm.IM2COL)), null);
            }
        }
        try (OpenClBackend b = OpenClBackend.open(device, kernels.choice())) {
            return new Outcome(SelfTest.run(b), b.kernels().describe());
        }
    }
}
