package dev.tessera.reports;

import java.util.List;

/**
 * The report as one self-contained HTML page: inline CSS, no scripts, charts as relative links to
 * {@code charts/<id>.png} (each linking to its SVG), so it reads from the file system in any browser.
 */
public final class HtmlReport {
    private static final String CSS = """
            body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #222;
                   background: #fafafa; }
            header { background: #1f3a5f; color: white; padding: 18px 32px; }
            header h1 { margin: 0 0 4px 0; font-size: 26px; }
            header p { margin: 0; opacity: 0.85; }
            nav { padding: 10px 32px; background: #e8eef5; font-size: 14px; }
            nav a { margin-right: 14px; color: #1f3a5f; }
            main { padding: 8px 32px 40px 32px; max-width: 1400px; }
            section { margin-top: 28px; }
            h2 { border-bottom: 2px solid #1f3a5f; padding-bottom: 4px; }
            h3 { margin-bottom: 4px; }
            figure { margin: 16px 0; background: white; border: 1px solid #ddd; padding: 8px; display: inline-block;
                     max-width: 100%; box-sizing: border-box; }
            figure img { max-width: 100%; height: auto; display: block; }
            figcaption { font-size: 13px; color: #444; max-width: 1000px; margin-top: 6px; }
            table { border-collapse: collapse; margin: 8px 0 16px 0; font-size: 13px; background: white; }
            th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
            th { background: #eef2f7; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
            table.kv td:first-child { white-space: nowrap; font-weight: 600; }
            p.note { font-size: 13px; color: #555; margin: 4px 0; max-width: 1000px; }
            p.empty { color: #777; font-style: italic; }
            pre { background: #f0f0f0; padding: 10px; overflow-x: auto; font-size: 13px; }
            """;

    private HtmlReport() {
    }

    public static String render(String title, ReportData data, List<Report.Section> sections) {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(esc(title)).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        h.append("<header><h1>").append(esc(title)).append("</h1><p>").append(esc(subtitle(data)))
                .append("</p></header>\n<nav>");
        for (Report.Section s : sections) {
            h.append("<a href=\"#").append(s.id()).append("\">").append(esc(s.title())).append("</a>");
        }
        h.append("</nav>\n<main>\n");
        for (Report.Section s : sections) {
            h.append("<section id=\"").append(s.id()).append("\">\n<h2>").append(esc(s.title())).append("</h2>\n");
            if (s.isEmpty()) {
                h.append("<p class=\"empty\">").append(esc(s.empty())).append("</p>\n");
            }
            for (Charts.Drawn d : s.charts()) {
                String png = Report.pngPath(d.spec());
                String svg = Report.svgPath(d.spec());
                h.append("<figure id=\"").append(d.spec().id()).append("\"><a href=\"").append(svg)
                        .append("\"><img src=\"").append(png).append("\" alt=\"").append(esc(d.spec().title()))
                        .append("\"></a><figcaption>").append(esc(d.spec().caption())).append(" <a href=\"")
                        .append(svg).append("\">SVG</a> · <a href=\"").append(png)
                        .append("\">PNG</a></figcaption></figure>\n");
            }
            for (ReportTables.Table t : s.tables()) {
                table(h, t, s.title());
            }
            if (!s.code().isEmpty()) {
                h.append("<h3>Command lines</h3>\n<pre>");
                s.code().forEach(line -> h.append(esc(line)).append('\n'));
                h.append("</pre>\n");
            }
            h.append("</section>\n");
        }
        h.append("</main>\n</body>\n</html>\n");
        return h.toString();
    }

    static String subtitle(ReportData data) {
        long hosts = data.sources().stream().map(ReportData.Source::host).distinct().count();
        return data.sources().size() + " results file(s) from " + hosts + " host(s)"
                + (data.jmh().isEmpty() ? "" : ", " + data.jmh().size() + " JMH file(s)") + "; "
                + data.select(ReportData.Entry::ok).size() + " rows measured, " + data.notOk().size() + " not";
    }

    private static void table(StringBuilder h, ReportTables.Table t, String sectionTitle) {
        if (!t.title().equals(sectionTitle)) {
            h.append("<h3 id=\"").append(t.id()).append("\">").append(esc(t.title())).append("</h3>\n");
        }
        if (!t.note().isEmpty()) {
            h.append("<p class=\"note\">").append(esc(t.note())).append("</p>\n");
        }
        boolean keyValue = t.header().stream().allMatch(String::isEmpty);
        h.append(keyValue ? "<table class=\"kv\">\n" : "<table>\n");
        if (!keyValue) {
            h.append("<tr>");
            t.header().forEach(c -> h.append("<th>").append(esc(c)).append("</th>"));
            h.append("</tr>\n");
        }
        for (List<String> row : t.rows()) {
            h.append("<tr>");
            for (String c : row) {
                h.append(!keyValue && isNumber(c) ? "<td class=\"num\">" : "<td>").append(esc(c)).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private static boolean isNumber(String s) {
        return s.matches("-?[0-9][0-9.e+-]*( \\*)?");
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
