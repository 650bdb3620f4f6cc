package dev.tessera.reports;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;

import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.ResultsJson;

/**
 * Reads the files a report is made from: {@code tessera bench} results files (schema checked, required fields
 * checked, a newer schema version refused) and JMH JSON. Every problem is an {@link IllegalArgumentException} whose
 * message is one line naming the file and the problem.
 */
public final class ReportInputs {
    /** Fields every results file has at the top level (docs/RESULTS.md). */
    static final List<String> TOP_LEVEL_FIELDS = List.of("schema", "schema_version", "status", "environment",
            "settings", "rows");
    /** Fields every row has that the report keys and labels rows by. */
    static final List<String> ROW_FIELDS = List.of("id", "scenario", "backend", "device", "model", "algorithm",
            "batch", "status");
    static final List<String> ENVIRONMENT_FIELDS = List.of("host", "command_line", "opencl_devices", "probes");

    private static final Pattern CONTROL = Pattern.compile("[\\p{Cntrl}\u0085\u2028\u2029]");

    private ReportInputs() {
    }

    /** A results file and what it holds. */
    public record BenchFile(Path path, BenchResults results) {
    }

    /** A JMH JSON file and what it holds. */
    public record JmhFile(Path path, List<JmhResults.Result> results) {
        public JmhFile {
            results = List.copyOf(results);
        }
    }

    /** Everything read, in the order given. */
    public record Inputs(List<BenchFile> bench, List<JmhFile> jmh) {
        public Inputs {
            bench = List.copyOf(bench);
            jmh = List.copyOf(jmh);
        }
    }

    /**
     * Reads the files; a folder stands for every results file and JMH JSON file under it (searched recursively, in
     * path order; other JSON files there are skipped).
     */
    public static Inputs read(List<Path> paths) {
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("no input files: give one or more results files (or JMH JSON)");
        }
        List<BenchFile> bench = new ArrayList<>();
        List<JmhFile> jmh = new ArrayList<>();
        for (Path path : paths) {
            boolean folder = Files.isDirectory(path);
            List<Path> found = folder ? jsonFilesUnder(path) : List.of(path);
            int before = bench.size() + jmh.size();
            for (Path file : found) {
                try {
                    JsonNode tree = readTree(file);
                    if (folder && !JmhResults.looksLikeJmh(tree)
                            && !BenchResults.SCHEMA.equals(tree.path("schema").asText())) {
                        continue;
                    }
                    add(file, tree, bench, jmh);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(oneLine(e.getMessage()), e); // text quoted from the file
                }
            }
            if (folder && bench.size() + jmh.size() == before) {
                throw new IllegalArgumentException(path + ": no results files (or JMH JSON) in this folder");
            }
        }
        return new Inputs(bench, jmh);
    }

    private static List<Path> jsonFilesUnder(Path dir) {
        try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".json")).sorted()
                    .toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new IllegalArgumentException(dir + ": cannot be searched (" + e.getMessage() + ")", e);
        }
    }

    private static void add(Path file, JsonNode tree, List<BenchFile> bench, List<JmhFile> jmh) {
        try {
            if (JmhResults.looksLikeJmh(tree)) {
                jmh.add(new JmhFile(file, JmhResults.parse(tree)));
            } else {
                bench.add(new BenchFile(file, benchResults(tree)));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Control characters quoted from the file (a schema string holding a newline) shown as escapes. */
    private static String oneLine(String message) {
        return CONTROL.matcher(message).replaceAll(m -> Matcher.quoteReplacement(
                String.format("\\u%04x", (int) m.group().charAt(0))));
    }

    private static JsonNode readTree(Path file) {
        try {
            JsonNode tree = ResultsJson.MAPPER.readTree(Files.readAllBytes(file));
            if (tree == null || tree.isMissingNode()) {
                throw new IllegalArgumentException(file + ": empty file, expected a tessera results file or JMH JSON");
            }
            return tree;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file", e);
        } catch (JsonProcessingException e) {
            // a limit such as the nesting depth has no location: say the limit, not an internal error
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            String what = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
            throw new IllegalArgumentException(file + ": not valid JSON (" + what.lines().findFirst().orElse(what)
                    + where + ")", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot be read (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Checks the schema, version and the fields a report needs, then maps the tree to the records.
     *
     * @throws IllegalArgumentException with the problem (without the file name)
     */
    static BenchResults benchResults(JsonNode tree) {
        if (!tree.isObject()) {
            throw new IllegalArgumentException("neither a tessera results file nor JMH JSON (the top level is "
                    + (tree.isArray() ? "an array without JMH benchmark results" : "not an object") + ")");
        }
        if (!BenchResults.SCHEMA.equals(tree.path("schema").asText())) {
            throw new IllegalArgumentException("not a tessera results file: 'schema' is "
                    + (tree.has("schema") ? "'" + tree.get("schema").asText() + "'" : "missing") + ", expected '"
                    + BenchResults.SCHEMA + "'");
        }
        JsonNode versionNode = tree.get("schema_version");
        if (versionNode == null || !versionNode.canConvertToInt()) {
            throw new IllegalArgumentException("'schema_version' is missing or not an integer");
        }
        int version = versionNode.asInt();
        if (version > BenchResults.VERSION) {
            throw new IllegalArgumentException("results schema version " + version + " is newer than this tessera "
                    + "reads (version " + BenchResults.VERSION + "); use a newer tessera to report on it");
        }
        if (version < BenchResults.VERSION) {
            throw new IllegalArgumentException("results schema version " + version + " is not supported (this "
                    + "tessera reads version " + BenchResults.VERSION + ")");
        }
        requireFields(tree, TOP_LEVEL_FIELDS, "");
        requireFields(tree.get("environment"), ENVIRONMENT_FIELDS, "environment.");
        if (!tree.get("rows").isArray()) {
            throw new IllegalArgumentException("'rows' is not an array");
        }
        for (int i = 0; i < tree.get("rows").size(); i++) {
            requireFields(tree.get("rows").get(i), ROW_FIELDS, "rows[" + i + "].");
        }
        try {
            return ResultsJson.MAPPER.treeToValue(tree, BenchResults.class);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException("does not match results schema version " + BenchResults.VERSION + " ("
                    + e.getOriginalMessage() + " at " + e.getPathReference() + ")", e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("does not match results schema version " + BenchResults.VERSION + " ("
                    + e.getOriginalMessage() + ")", e);
        }
    }

    private static void requireFields(JsonNode node, List<String> fields, String prefix) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("'" + (prefix.isEmpty() ? "top level" : prefix.substring(0,
                    prefix.length() - 1)) + "' is not an object");
        }
        for (String f : fields) {
            if (!node.hasNonNull(f)) {
                throw new IllegalArgumentException("missing field '" + prefix + f + "'");
            }
        }
    }
}
