package dev.tessera.bench.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.tessera.bench.harness.ShardSpec;
import dev.tessera.reports.results.FleetInfo;
import picocli.CommandLine;

/**
 * The scheduler examples under examples/fleet/ keep working: every tessera command in them parses with today's
 * options, and {@code --shard auto} resolves from the variables that scheduler sets.
 */
class FleetExamplesTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "fleet");
    private static final Pattern COMMAND = Pattern.compile("tessera(?:\\.jar)? (bench|report|compare)( [^\\n]*)");

    /** Each tessera command of a file, one list of arguments per command (shell variables replaced by "x"). */
    private static List<List<String>> commands(String file) throws Exception {
        String text = Files.readString(EXAMPLES.resolve(file)).replaceAll("\\\\\\n\\s*", " ");
        List<List<String>> out = new ArrayList<>();
        Matcher m = COMMAND.matcher(text);
        while (m.find()) {
            List<String> args = new ArrayList<>(List.of(m.group(1)));
            // $((arithmetic)) and $(commands) are one word; quoted strings are one word
            String rest = m.group(2).replaceAll("\\$\\{\\{ matrix.shard }}", "1")
                    .replaceAll("\\$\\$?\\(\\([^)]*\\)\\)|\\$\\([^)]*\\)", "1").split("(;|\\|\\||>)")[0];
            Matcher word = Pattern.compile("\"[^\"]*\"|'[^']*'|[^\\s\"']+").matcher(rest);
            while (word.find()) {
                String t = word.group().replace("\"", "").replace("'", "");
                args.add(t.contains("$") ? "x" : t);
            }
            out.add(args);
        }
        return out;
    }

    private static String option(List<String> args, String name) {
        int i = args.indexOf(name);
        return i < 0 ? null : args.get(i + 1);
    }

    private static void parses(List<String> args) {
        try {
            new CommandLine(new TesseraCli()).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            fail(args + ": " + e.getMessage());
        }
    }

    @Test
    void slurmArrayTasksEachRunTheirShard() throws Exception {
        List<List<String>> bench = commands("slurm-array.sbatch");
        assertEquals(1, bench.size());
        bench.forEach(FleetExamplesTest::parses);
        assertEquals("auto", option(bench.get(0), "--shard"));
        String script = Files.readString(EXAMPLES.resolve("slurm-array.sbatch"));
        assertTrue(script.contains("#SBATCH --array=0-3"));
        // what Slurm sets for task 3 of --array=0-3
        assertEquals(new FleetInfo.Shard(4, 4), ShardSpec.parse("auto", Map.of("SLURM_ARRAY_TASK_ID", "3",
                "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_MAX", "3", "SLURM_ARRAY_TASK_COUNT", "4")).shard());
        List<List<String>> report = commands("submit-slurm.sh");
        assertEquals("report", report.get(0).get(0));
        report.forEach(FleetExamplesTest::parses);
    }

    @Test
    void kubernetesPodsEachRunTheirShardWithAGpuRequest() throws Exception {
        String job = Files.readString(EXAMPLES.resolve("kubernetes-indexed-job.yaml"));
        List<List<String>> bench = commands("kubernetes-indexed-job.yaml");
        assertEquals(1, bench.size());
        bench.forEach(FleetExamplesTest::parses);
        assertEquals("auto", option(bench.get(0), "--shard"));
        assertTrue(job.contains("completionMode: Indexed") && job.contains("completions: 4")
                && job.contains("TESSERA_SHARD_COUNT") && job.contains("value: \"4\""), job);
        assertTrue(job.contains("nvidia.com/gpu: 1") && job.contains("amd.com/gpu"), job);
        assertEquals(new FleetInfo.Shard(1, 4), ShardSpec.parse("auto", Map.of("JOB_COMPLETION_INDEX", "0",
                "TESSERA_SHARD_COUNT", "4")).shard());
        String report = Files.readString(EXAMPLES.resolve("kubernetes-report-job.yaml"));
        assertTrue(report.contains("\"report\", \"/results\""), report);
    }

    @Test
    void theCiMatrixRunsEveryShardThenReportsAndCompares() throws Exception {
        List<List<String>> commands = commands("github-actions.yml");
        commands.forEach(FleetExamplesTest::parses);
        assertEquals(List.of("bench", "report", "compare"), commands.stream().map(c -> c.get(0)).toList());
        assertEquals("1/4", option(commands.get(0), "--shard"));
        assertTrue(Files.readString(EXAMPLES.resolve("github-actions.yml")).contains("shard: [1, 2, 3, 4]"));
    }
}
