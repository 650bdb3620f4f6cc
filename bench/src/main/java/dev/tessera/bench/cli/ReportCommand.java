package dev.tessera.bench.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.tessera.opencl.AtomicFiles;
import dev.tessera.bench.harness.FleetMerge;
import dev.tessera.reports.FleetCoverage;
import dev.tessera.reports.Report;
import dev.tessera.reports.ReportData;
import dev.tessera.reports.ReportInputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tessera report}: charts, an HTML page and a Markdown page from one or many result files. */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false, description = {
        "Makes a report from tessera bench results files (and JMH JSON): DIR/index.html, DIR/REPORT.md and every "
                + "chart as PNG and SVG under DIR/charts/. Files from several machines merge into one report "
                + "(rows keyed by host, device, backend, model, algorithm, batch; the same configuration from two "
                + "files is kept twice, labelled by file). Folders are searched for results files: the shards of "
                + "sharded runs (tessera bench --shard) merge into one run, and a line on stderr per run says which "
                + "shards are missing or duplicated.",
        "Charts: throughput per model, latency distributions, the batch-size sweep, per-layer time, a roofline per "
                + "device, error by layer depth, the ratios to the peers, and JMH GFLOP/s per layer; tables of the "
                + "same with the environment and the exact command lines. The HTML needs no server."})
final class ReportCommand implements Callable<Integer> {
    /** Default output directory. */
    static final Path DEFAULT_OUT = Path.of("tessera-report");

    @Parameters(arity = "1..*", paramLabel = "FILE|DIR", description = "Results files of tessera bench, or JMH JSON "
            + "(-rf json), or folders searched for them (every shard of every host).")
    List<Path> files = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out = DEFAULT_OUT;

    @Option(names = "--json", description = "Print the written files as JSON instead of lines of text.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        OutputPaths.requireFolder(out, "--out");
        String command = "tessera " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        Map<String, Path> written = write(files, out, command, spec.commandLine().getErr());
        PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("html", written.get(Report.HTML).toString());
            summary.put("markdown", written.get(Report.MARKDOWN).toString());
            summary.put("charts", written.entrySet().stream()
                    .filter(e -> e.getKey().startsWith(Report.CHARTS_DIR + "/")).map(e -> e.getValue().toString())
                    .toList());
            stdout.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
        } else {
            stdout.println("report: " + written.get(Report.HTML));
            stdout.println("markdown: " + written.get(Report.MARKDOWN));
            stdout.println("charts: " + (written.size() - 2) / 2 + " (PNG and SVG) in "
                    + out.toAbsolutePath().resolve(Report.CHARTS_DIR));
        }
        stdout.flush();
        return 0;
    }

    /**
     * The report at the end of {@code tessera bench}: from its results file into {@code <results name>-report/}
     * beside it. A report that cannot be made is said in one line and exit code 1; the results file stays as written.
     *
     * @param out where the report's path is printed (stderr when stdout carries JSON)
     * @return the exit code
     */
    static int afterBench(Path results, PrintWriter out, PrintWriter err) {
        String name = results.getFileName().toString();
        Path dir = results.resolveSibling((name.endsWith(".json") ? name.substring(0, name.length() - 5) : name)
                + "-report");
        try {
            Map<String, Path> written = write(List.of(results), dir, "tessera report " + results + " --out " + dir);
            out.println("report: " + written.get(Report.HTML));
            out.flush();
            return 0;
        } catch (RuntimeException e) {
            err.println("tessera bench: the results are in " + results + ", but the report could not be made: "
                    + TesseraCli.oneLine(e));
            err.flush();
            return 1;
        }
    }

    /**
     * Reads the files, makes the report and writes it under {@code dir}: every file atomically, the charts first and
     * the pages last, so the pages never link to a chart that is not there yet.
     *
     * @return every written file by its path relative to {@code dir}
     * @throws IllegalArgumentException naming the file and the problem when an input cannot be used
     */
    static Map<String, Path> write(List<Path> inputs, Path dir, String command) {
        return write(inputs, dir, command, null);
    }

    /** As above, and one line on {@code err} (when not null) per sharded run: complete, or what is missing. */
    static Map<String, Path> write(List<Path> inputs, Path dir, String command, PrintWriter err) {
        ReportData data = ReportData.merge(FleetMerge.relink(ReportInputs.read(inputs)));
        if (err != null) {
            for (FleetCoverage.Run run : FleetCoverage.of(data)) {
                err.println("tessera report: " + run.summary());
            }
            err.flush();
        }
        Report report = Report.build(data, new ZooFootprints(), command);
        Path root = dir.toAbsolutePath();
        Map<String, Path> written = new LinkedHashMap<>();
        try {
            Files.createDirectories(root.resolve(Report.CHARTS_DIR));
            for (Map.Entry<String, byte[]> f : report.files().entrySet()) {
                Path target = root.resolve(f.getKey());
                AtomicFiles.write(target, f.getValue());
                written.put(f.getKey(), target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the report to " + root + ": " + e.getMessage(), e);
        }
        return written;
    }
}
