package dev.tessera.reports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads the JSON that JMH writes with {@code -rf json}: an array of benchmark results, each with {@code benchmark},
 * {@code mode}, {@code params}, {@code primaryMetric} and {@code secondaryMetrics}. The Tessera benchmarks report
 * GFLOP/s as the secondary metric {@code gflop} (JMH labels its unit "ops/s").
 */
public final class JmhResults {
    /** The secondary metric the Tessera benchmarks use for GFLOP/s. */
    public static final String GFLOP_METRIC = "gflop";

    private JmhResults() {
    }

    /**
     * One benchmark result.
     *
     * @param benchmark  the benchmark method, e.g. {@code dev.tessera.jmh.ConvLayerBenchmark.run}
     * @param mode       JMH's mode ("thrpt", "avgt", ...)
     * @param params     the {@code @Param} values, e.g. layer and algorithm
     * @param score      the primary metric's score
     * @param scoreError its error (JMH's 99.9% half-width; NaN when JMH could not compute one)
     * @param unit       the primary metric's unit
     * @param gflops     the {@code gflop} secondary metric's score, null when absent
     * @param gflopsError its error, null when absent
     */
    public record Result(String benchmark, String mode, Map<String, String> params, double score, double scoreError,
            String unit, Double gflops, Double gflopsError) {
        public Result {
            params = Map.copyOf(params);
        }

        /** The benchmark class's simple name and method, e.g. {@code ConvLayerBenchmark.run}. */
        public String shortName() {
            String[] parts = benchmark.split("\\.");
            return parts.length >= 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : benchmark;
        }

        public String param(String name) {
            return params.getOrDefault(name, "");
        }
    }

    /** True when the tree looks like JMH output: a non-empty array whose first element has benchmark and primaryMetric. */
    public static boolean looksLikeJmh(JsonNode tree) {
        return tree != null && tree.isArray() && tree.size() > 0 && tree.get(0).has("benchmark")
                && tree.get(0).has("primaryMetric");
    }

    /**
     * Parses JMH JSON.
     *
     * @throws IllegalArgumentException naming the element and field when something required is missing
     */
    public static List<Result> parse(JsonNode tree) {
        if (tree == null || !tree.isArray()) {
            throw new IllegalArgumentException("not JMH JSON: expected an array of benchmark results");
        }
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < tree.size(); i++) {
            JsonNode b = tree.get(i);
            String where = "JMH result " + i;
            String benchmark = requiredText(b, "benchmark", where);
            JsonNode primary = b.get("primaryMetric");
            if (primary == null || !primary.isObject()) {
                throw new IllegalArgumentException(where + " (" + benchmark + "): no primaryMetric");
            }
            Map<String, String> params = new LinkedHashMap<>();
            b.path("params").fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
            JsonNode gflop = b.path("secondaryMetrics").path(GFLOP_METRIC);
            results.add(new Result(benchmark, b.path("mode").asText(""), params,
                    requiredNumber(primary, "score", where + " (" + benchmark + ") primaryMetric"),
                    number(primary.get("scoreError")), primary.path("scoreUnit").asText(""),
                    gflop.isMissingNode() ? null : requiredNumber(gflop, "score", where + " secondaryMetrics.gflop"),
                    gflop.isMissingNode() ? null : number(gflop.get("scoreError"))));
        }
        return results;
    }

    private static String requiredText(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(where + ": no '" + field + "'");
        }
        return v.asText();
    }

    private static double requiredNumber(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !(v.isNumber() || "NaN".equals(v.asText()))) {
            throw new IllegalArgumentException(where + ": no numeric '" + field + "'");
        }
        return number(v);
    }

    /** JMH writes "NaN" as a string when it has no error estimate. */
    private static double number(JsonNode v) {
        if (v == null || v.isNull()) {
            return Double.NaN;
        }
        return v.isNumber() ? v.asDouble() : Double.NaN;
    }
}
