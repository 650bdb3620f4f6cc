package dev.tessera.reports;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's files: every chart as PNG and SVG, the pages linking to them by relative paths, the tables. */
class ReportTest {
    @TempDir
    static Path dir;

    /** Drawing every chart takes seconds: one report serves every test. */
    private static Report report;

    private static synchronized Report report() {
        if (report == null) {
            report = Report.build(Fixtures.merged(dir, Fixtures.ALPHA, Fixtures.BETA, Fixtures.ALPHA_AGAIN,
                    Fixtures.JMH), LayerFootprints.NONE,
                    "tessera report alpha.json beta.json alpha-again.json jmh-sample.json");
        }
        return report;
    }

    private static List<String> links(String text, Pattern pattern) {
        List<String> links = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            links.add(m.group(1));
        }
        return links;
    }

    @Test
    void pagesLinkOnlyToFilesOfTheReportByRelativePaths() {
        Map<String, byte[]> files = report().files();
        String html = new String(files.get(Report.HTML), StandardCharsets.UTF_8);
        String md = new String(files.get(Report.MARKDOWN), StandardCharsets.UTF_8);
        List<String> htmlLinks = links(html, Pattern.compile("(?:src|href)=\"([^\"#][^\"]*)\""));
        List<String> mdLinks = links(md, Pattern.compile("\\]\\(([^)]+)\\)"));
        assertFalse(htmlLinks.isEmpty());
        for (String link : htmlLinks) {
            assertTrue(files.containsKey(link), "HTML links to " + link + ", which the report does not write");
        }
        for (String link : mdLinks) {
            assertTrue(files.containsKey(link), "Markdown links to " + link + ", which the report does not write");
        }
        long charts = files.keySet().stream().filter(f -> f.startsWith("charts/") && f.endsWith(".png")).count();
        assertEquals(charts, files.keySet().stream().filter(f -> f.startsWith("charts/") && f.endsWith(".svg"))
                .count());
        for (String f : files.keySet()) {
            if (f.endsWith(".png")) {
                assertTrue(htmlLinks.contains(f) && mdLinks.contains(f), f + " is not shown");
            }
        }
        // throughput, latency, batch sweep, layers, 2 rooflines, accuracy, peers, 2 JMH
        assertEquals(10, charts);
        assertFalse(html.contains("<script"), "no scripts: the page reads without a server");
        assertFalse(html.matches("(?s).*(src|href)=\"(/|https?:).*"), "no absolute links");
    }

    @Test
    void tablesCarryTheFiguresAndTheCommandLines() {
        Report report = report();
        String md = new String(report.files().get(Report.MARKDOWN), StandardCharsets.UTF_8);
        String html = new String(report.files().get(Report.HTML), StandardCharsets.UTF_8);
        for (String page : List.of(md, html)) {
            assertTrue(page.contains("3/4 (75%)"), "top-1 agreement");
            assertTrue(page.contains("tessera bench --models lenet5 --algos direct"), "the run's command line");
            assertTrue(page.contains("tessera report alpha.json beta.json"), "the report's command line");
            assertTrue(page.contains("the aparapi backend is not available yet"), "what was not measured and why");
            assertTrue(page.contains("100 GFLOP/s fp32, 10 GB/s"), "the probe");
        }
        assertTrue(md.contains("| alpha | unsupported | the aparapi backend is not available yet | 1 | "
                + "latency/aparapi/0/lenet5/direct/b1 |"), "not measured, grouped by reason");
        // latency table: median 4, mean 4, p90 6 marked (5 samples are too few for a p90)
        assertTrue(md.contains("| lenet5 | opencl direct @ gpu-a on alpha [alpha] | 1 | 5 | 4 | 4 | 6 * | 6 * |"),
                md);
        // throughput table: 800 images/s with standard error 80 at batch 4
        assertTrue(md.contains("| 4 | 800 | 80 | 1000 |"), md);
        assertTrue(md.contains("| lenet5 | 1 | opencl direct @ gpu-a on alpha [alpha] | clblast | "
                + "layers.kernel_ms_sum | 0.5 | 2 | 0.25 |"), md);
    }

    @Test
    void commandLinesReadAsTypedWhateverTheFileRecorded() {
        assertEquals("tessera bench --quick", ReportTables.commandLine("bench --quick"));
        assertEquals("tessera bench --quick", ReportTables.commandLine("tessera bench --quick"));
    }

    @Test
    void numbersKeepThreeSignificantDigits() {
        assertEquals("0.25", ReportTables.fmt(0.25));
        assertEquals("1230", ReportTables.fmt(1234.5));
        assertEquals("3.97e-07", ReportTables.fmt(3.97e-7));
        assertEquals("0", ReportTables.fmt(0.0));
        assertEquals("", ReportTables.fmt(null));
    }
}
