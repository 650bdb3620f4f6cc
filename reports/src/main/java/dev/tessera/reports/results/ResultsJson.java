package dev.tessera.reports.results;

import java.io.IOException;
import java.io.InputStream;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

/** Reads and writes results files: snake_case names, indented, the schema and version checked on reading. */
public final class ResultsJson {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ResultsJson() {
    }

    public static byte[] toBytes(BenchResults results) {
        try {
            return MAPPER.writeValueAsBytes(results);
        } catch (IOException e) {
            throw new IllegalStateException("could not write results JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a results file.
     *
     * @throws IllegalArgumentException when it is not a results file of schema version {@link BenchResults#VERSION}
     */
    public static BenchResults read(InputStream in) throws IOException {
        JsonNode tree = MAPPER.readTree(in);
        if (tree == null || !BenchResults.SCHEMA.equals(tree.path("schema").asText())) {
            throw new IllegalArgumentException("not a tessera results file (schema is not " + BenchResults.SCHEMA + ")");
        }
        int version = tree.path("schema_version").asInt(-1);
        if (version != BenchResults.VERSION) {
            throw new IllegalArgumentException("results schema version " + version + " is not supported (this build "
                    + "reads version " + BenchResults.VERSION + ")");
        }
        return MAPPER.treeToValue(tree, BenchResults.class);
    }
}
