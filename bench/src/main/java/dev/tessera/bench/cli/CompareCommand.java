package dev.tessera.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.tessera.reports.ReportInputs;
import dev.tessera.reports.RunComparison;
import dev.tessera.reports.results.BenchResults;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tessera compare}: a regression gate between two runs, from their recorded samples. */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false, description = {
        "Compares a candidate run with a baseline run configuration by configuration: the ratio of the metric "
                + "(candidate / baseline) with a 95%% bootstrap confidence interval from the recorded samples, and a "
                + "verdict: slower, faster, within noise, slightly slower/faster (sure, but under the threshold).",
        "Exits 1 when any configuration is slower than the threshold with confidence (the interval of the "
                + "slowdown lies wholly above 1 + threshold), and on bad input; 0 otherwise.",
        "Each side is a results file or a folder of them (e.g. every shard of a run). A side with repeated runs "
                + "(the same configuration in several files) is resampled run by run, so the interval includes the "
                + "variation between runs."})
final class CompareCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "BASELINE", description = "Results file or folder of the baseline.")
    Path baseline;

    @Parameters(index = "1", paramLabel = "CANDIDATE", description = "Results file or folder of the candidate.")
    Path candidate;

    @Option(names = "--metric", paramLabel = "M", description = "latency (median end-to-end ms of the latency rows) "
            + "or throughput (images/s at the median run of the throughput rows); default: ${DEFAULT-VALUE}.")
    String metric = "latency";

    @Option(names = "--threshold", paramLabel = "P", description = "Slowdown tolerated, in per cent ('5%%' or '5'; "
            + "default: 5%%).")
    String threshold = "5%";

    @Option(names = "--json", description = "Print the comparison as JSON (for CI) instead of a table.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        double fraction = threshold(threshold);
        String m = metric.strip().toLowerCase(Locale.ROOT);
        List<BenchResults> base = side(baseline, "baseline");
        List<BenchResults> cand = side(candidate, "candidate");
        RunComparison.Result result = RunComparison.compare(base, cand, m, fraction);
        if (result.compared().isEmpty()) {
            throw new IllegalArgumentException("no " + m + " configuration was measured in both " + baseline + " and "
                    + candidate);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("baseline", baseline.toString());
            doc.put("candidate", candidate.toString());
            doc.put("metric", result.metric());
            doc.put("unit", result.unit());
            doc.put("threshold", result.threshold());
            doc.put("confidence", result.confidence());
            doc.put("resamples", result.resamples());
            doc.put("regressions", result.regressions().size());
            doc.put("rows", result.rows());
            out.println(Json.write(doc));
        } else {
            out.print(table(result));
        }
        out.flush();
        return result.regressions().isEmpty() ? 0 : 1;
    }

    static String table(RunComparison.Result result) {
        TextTable t = new TextTable("configuration", "baseline " + result.unit(), "candidate " + result.unit(),
                "ratio", "95% interval", "verdict");
        for (RunComparison.Row r : result.rows()) {
            t.row(r.configuration(), RunComparison.fmt(r.baseline()), RunComparison.fmt(r.candidate()),
                    RunComparison.fmt(r.ratio()), r.interval(), r.verdictAndReason());
        }
        List<RunComparison.Row> slower = result.regressions();
        String direction = result.metric().equals("latency") ? "above 1 is slower" : "below 1 is slower";
        return t.render() + String.format(Locale.ROOT, "ratio = candidate / baseline (%s); %d of %d configurations "
                + "compared; %s%n", direction, result.compared().size(), result.rows().size(), slower.isEmpty()
                        ? "no slowdown beyond " + pct(result.threshold()) + " with 95% confidence"
                        : slower.size() + " slower beyond " + pct(result.threshold()) + " with 95% confidence: "
                                + String.join(", ", slower.stream().map(RunComparison.Row::configuration).toList()))
                + (result.withinRunOnly() ? "intervals from one run on a side cover the noise within that run only, "
                        + "not the variation between runs: give each side as a folder of repeated runs to include it"
                        + System.lineSeparator() : "");
    }

    private static String pct(double fraction) {
        return String.format(Locale.ROOT, "%.3g%%", fraction * 100);
    }

    /** "5%" or "5" = 0.05. */
    static double threshold(String text) {
        String t = text.strip();
        if (t.endsWith("%")) {
            t = t.substring(0, t.length() - 1).strip();
        }
        double v;
        try {
            v = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--threshold '" + text + "' is not a percentage such as 5%");
        }
        if (!(v >= 0) || v >= 1000) {
            throw new IllegalArgumentException("--threshold '" + text + "' must be between 0% and 1000%");
        }
        return v / 100;
    }

    private static List<BenchResults> side(Path path, String name) {
        List<BenchResults> results = ReportInputs.read(List.of(path)).bench().stream()
                .map(ReportInputs.BenchFile::results).toList();
        if (results.isEmpty()) {
            throw new IllegalArgumentException(path + ": the " + name + " holds no tessera results file");
        }
        return results;
    }
}
