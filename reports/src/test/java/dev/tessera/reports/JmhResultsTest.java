package dev.tessera.reports;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tessera.reports.results.ResultsJson;

/** JMH's -rf json output, from a real run (three entries of docs/perf/jmh-conv-layers-2026-11-22.json). */
class JmhResultsTest {
    @Test
    void parsesScoresParamsAndTheGflopSecondaryMetric() throws Exception {
        JsonNode tree = ResultsJson.MAPPER.readTree(JmhResultsTest.class.getResourceAsStream(Fixtures.JMH));
        assertTrue(JmhResults.looksLikeJmh(tree));
        List<JmhResults.Result> results = JmhResults.parse(tree);
        assertEquals(3, results.size());
        JmhResults.Result pool = results.get(0);
        assertEquals("AlexNetLayerBenchmark.run", pool.shortName());
        assertEquals("thrpt", pool.mode());
        assertEquals("alexnet.pool1", pool.param("layer"));
        assertEquals("", pool.param("algorithm"));
        assertEquals(526.0950369692171, pool.score());
        assertEquals(1335.1238054324492, pool.scoreError());
        assertEquals("ops/s", pool.unit());
        assertEquals(0.3313641156052833, pool.gflops());
        JmhResults.Result direct = results.get(1);
        assertEquals("direct", direct.param("algorithm"));
        assertEquals("vgg16.conv3_2", direct.param("layer"));
        assertEquals(21.266511260814095, direct.gflops());
        assertEquals(10.16798709540515, direct.gflopsError());
    }

    @Test
    void missingPiecesAreNamed() throws Exception {
        JsonNode noMetric = ResultsJson.MAPPER.readTree("[{\"benchmark\": \"a.B.run\", \"primaryMetric\": {}}]");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JmhResults.parse(noMetric));
        assertEquals("JMH result 0 (a.B.run) primaryMetric: no numeric 'score'", e.getMessage());
        JsonNode nanError = ResultsJson.MAPPER.readTree(
                "[{\"benchmark\": \"a.B.run\", \"primaryMetric\": {\"score\": 2.5, \"scoreError\": \"NaN\"}}]");
        JmhResults.Result r = JmhResults.parse(nanError).get(0);
        assertEquals(2.5, r.score());
        assertTrue(Double.isNaN(r.scoreError()));
        assertNull(r.gflops());
    }
}
