package dev.tessera.reports;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tessera.reports.results.ResultsJson;

/** Reading result files: what is accepted, and one clear line naming the file for what is not. */
class ReportInputsTest {
    @TempDir
    Path dir;

    private Path edited(java.util.function.Consumer<ObjectNode> edit) throws Exception {
        Path file = Fixtures.copy(dir, Fixtures.ALPHA);
        ObjectNode tree = (ObjectNode) ResultsJson.MAPPER.readTree(file.toFile());
        edit.accept(tree);
        Path out = dir.resolve("edited.json");
        Files.write(out, ResultsJson.MAPPER.writeValueAsBytes(tree));
        return out;
    }

    private static String refusal(Path file) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReportInputs.read(List.of(file)));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void readsResultsAndJmhFilesInTheOrderGiven() {
        ReportInputs.Inputs in = ReportInputs.read(Fixtures.copy(dir, Fixtures.JMH, Fixtures.ALPHA, Fixtures.BETA));
        assertEquals(2, in.bench().size());
        assertEquals("alpha", in.bench().get(0).results().environment().host());
        assertEquals(1, in.jmh().size());
        assertEquals(3, in.jmh().get(0).results().size());
    }

    @Test
    void aNewerSchemaVersionIsRefusedAsNewer() throws Exception {
        String message = refusal(edited(t -> t.put("schema_version", 2)));
        assertTrue(message.contains("schema version 2 is newer than this tessera reads (version 1)"), message);
    }

    @Test
    void anOlderOrMissingVersionIsRefused() throws Exception {
        assertTrue(refusal(edited(t -> t.put("schema_version", 0))).contains("version 0 is not supported"));
        assertTrue(refusal(edited(t -> t.remove("schema_version"))).contains("'schema_version' is missing"));
    }

    @Test
    void anotherSchemaIsNotAResultsFile() throws Exception {
        String message = refusal(edited(t -> t.put("schema", "something-else")));
        assertTrue(message.contains("not a tessera results file: 'schema' is 'something-else'"), message);
    }

    @Test
    void missingFieldsAreNamed() throws Exception {
        assertTrue(refusal(edited(t -> ((ObjectNode) t.get("rows").get(2)).remove("model")))
                .endsWith("missing field 'rows[2].model'"));
        assertTrue(refusal(edited(t -> t.remove("rows"))).endsWith("missing field 'rows'"));
        assertTrue(refusal(edited(t -> ((ObjectNode) t.get("environment")).remove("host")))
                .endsWith("missing field 'environment.host'"));
    }

    @Test
    void aWrongTypeSaysWhere() throws Exception {
        String message = refusal(edited(t -> ((ObjectNode) t.get("rows").get(0)).put("batch", "one")));
        assertTrue(message.contains("does not match results schema version 1"), message);
        assertTrue(message.contains("rows"), message);
    }

    @Test
    void badJsonEmptyFilesAndMissingFilesAreNamed() throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"schema\": \"tessera-bench-results\", ");
        assertTrue(refusal(bad).contains("not valid JSON"));
        Path empty = dir.resolve("empty.json");
        Files.writeString(empty, "");
        assertTrue(refusal(empty).contains("empty file"));
        assertTrue(refusal(dir.resolve("absent.json")).endsWith("no such file"));
        Path array = dir.resolve("array.json");
        Files.writeString(array, "[1, 2]");
        assertTrue(refusal(array).contains("neither a tessera results file nor JMH JSON"));
    }

    @Test
    void noFilesIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> ReportInputs.read(List.of()));
    }
}
