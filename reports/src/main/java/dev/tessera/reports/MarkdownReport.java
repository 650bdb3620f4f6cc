package dev.tessera.reports;

import java.util.List;

/**
 * The report as Markdown (REPORT.md), for pasting into an issue or a pull request: the same tables, each chart linked
 * as a relative image.
 */
public final class MarkdownReport {
    private MarkdownReport() {
    }

    public static String render(String title, ReportData data, List<Report.Section> sections) {
        StringBuilder m = new StringBuilder(32 * 1024);
        m.append("# ").append(title).append("\n\n").append(HtmlReport.subtitle(data)).append(".\n");
        for (Report.Section s : sections) {
            m.append("\n## ").append(s.title()).append("\n\n");
            if (s.isEmpty()) {
                m.append('_').append(s.empty()).append("_\n");
            }
            for (Charts.Drawn d : s.charts()) {
                m.append("![").append(cell(d.spec().title())).append("](").append(Report.pngPath(d.spec()))
                        .append(")\n\n").append(d.spec().caption()).append(" ([SVG](").append(Report.svgPath(d.spec()))
                        .append("))\n\n");
            }
            for (ReportTables.Table t : s.tables()) {
                String heading = t.title().equals(s.title()) ? "" : "**" + t.title() + "**";
                String intro = (heading + " " + t.note()).strip();
                if (!intro.isEmpty()) {
                    m.append(intro).append("\n\n");
                }
                m.append('|');
                t.header().forEach(c -> m.append(' ').append(cell(c)).append(" |"));
                m.append("\n|");
                t.header().forEach(c -> m.append("---|"));
                m.append('\n');
                for (List<String> row : t.rows()) {
                    m.append('|');
                    row.forEach(c -> m.append(' ').append(cell(c)).append(" |"));
                    m.append('\n');
                }
                m.append('\n');
            }
            if (!s.code().isEmpty()) {
                m.append("```sh\n");
                s.code().forEach(line -> m.append(line).append('\n'));
                m.append("```\n");
            }
        }
        return m.toString();
    }

    /** A table cell: pipes escaped, line breaks flattened. */
    static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}
