package dev.tessera.reports;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BoxChart;
import org.knowm.xchart.BoxChartBuilder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws {@link ChartSpec}s with XChart, headless, as PNG and SVG (SVG through VectorGraphics2D, XChart's optional
 * dependency for vector export).
 */
public final class Charts {
    static final int WIDTH = 1000;
    static final int HEIGHT = 560;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

    /** A drawn chart: its PNG and SVG bytes. */
    public record Drawn(ChartSpec spec, byte[] png, byte[] svg) {
    }

    public static Drawn draw(ChartSpec spec) {
        Chart<?, ?> chart;
        if (spec instanceof ChartSpec.Bars bars) {
            chart = bars(bars);
        } else if (spec instanceof ChartSpec.Lines lines) {
            chart = lines(lines);
        } else {
            chart = boxes((ChartSpec.Boxes) spec);
        }
        try {
            byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
            ByteArrayOutputStream svg = new ByteArrayOutputStream();
            VectorGraphicsEncoder.saveVectorGraphic(chart, svg, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
            return new Drawn(spec, png, svg.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("could not draw chart " + spec.id() + ": " + e.getMessage(), e);
        }
    }

    private static CategoryChart bars(ChartSpec.Bars spec) {
        int height = HEIGHT + legendRows(spec.series().size()) * 18;
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(height).title(spec.title())
                .xAxisTitle(spec.xLabel()).yAxisTitle(spec.yLabel()).build();
        style(chart.getStyler(), spec.title());
        chart.getStyler().setStacked(spec.stacked());
        chart.getStyler().setOverlapped(false);
        chart.getStyler().setYAxisLogarithmic(spec.logY());
        chart.getStyler().setXAxisLabelRotation(spec.categories().size() > 6 ? 45 : 0);
        chart.getStyler().setAvailableSpaceFill(0.8);
        boolean anyErrors = false;
        for (ChartSpec.BarSeries s : spec.series()) {
            if (s.errors() != null && !spec.stacked()) {
                chart.addSeries(s.name(), spec.categories(), zeroForNull(s.values()), zeroForNull(s.errors()));
                anyErrors = true;
            } else {
                chart.addSeries(s.name(), spec.categories(), zeroForNull(s.values()));
            }
        }
        chart.getStyler().setErrorBarsColor(Color.DARK_GRAY);
        chart.getStyler().setErrorBarsColorSeriesColor(!anyErrors);
        return chart;
    }

    /**
     * XChart draws no bar for 0 and cannot take null in a category series; a missing value is drawn as an empty
     * slot, the tables beside the chart say which configurations did not run.
     */
    private static List<Double> zeroForNull(List<Double> values) {
        List<Double> out = new ArrayList<>(values.size());
        values.forEach(v -> out.add(v == null ? 0.0 : v));
        return out;
    }

    private static XYChart lines(ChartSpec.Lines spec) {
        int height = HEIGHT + legendRows(spec.lines().size()) * 18;
        XYChart chart = new XYChartBuilder().width(WIDTH).height(height).title(spec.title())
                .xAxisTitle(spec.xLabel()).yAxisTitle(spec.yLabel()).build();
        style(chart.getStyler(), spec.title());
        chart.getStyler().setXAxisLogarithmic(spec.logX());
        chart.getStyler().setYAxisLogarithmic(spec.logY());
        chart.getStyler().setMarkerSize(8);
        // XChart puts a tick at most integers on a long axis of whole numbers: beyond 60, stand the labels upright
        boolean longAxis = !spec.logX() && spec.lines().stream().anyMatch(l -> l.x().size() > 60);
        chart.getStyler().setXAxisLabelRotation(longAxis ? 90 : 0);
        for (ChartSpec.Line line : spec.lines()) {
            if (line.x().isEmpty()) {
                continue;
            }
            XYSeries s = chart.addSeries(line.name(), doubles(line.x()), doubles(line.y()));
            if (line.markersOnly()) {
                s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            } else if (line.x().size() > MAX_POINTS_WITH_MARKERS) {
                s.setMarker(SeriesMarkers.NONE);
            }
            if (line.name().startsWith(ReportCharts.ROOF)) {
                s.setMarker(SeriesMarkers.NONE);
                s.setLineColor(Color.BLACK);
                s.setLineStyle(new BasicStroke(2.5f));
            }
        }
        return chart;
    }

    private static BoxChart boxes(ChartSpec.Boxes spec) {
        BoxChart chart = new BoxChartBuilder().width(WIDTH).height(HEIGHT).title(spec.title())
                .yAxisTitle(spec.yLabel()).build();
        style(chart.getStyler(), spec.title());
        chart.getStyler().setLegendVisible(false);
        int labelChars = spec.boxes().stream().mapToInt(b -> b.name().length()).sum();
        chart.getStyler().setXAxisLabelRotation(labelChars * 7 > WIDTH * 3 / 4 ? 20 : 0);
        for (ChartSpec.Box box : spec.boxes()) {
            chart.addSeries(box.name(), doubles(box.samples()));
        }
        return chart;
    }

    /** XChart's sanity checks call contains(null), which immutable lists refuse: hand it arrays. */
    private static double[] doubles(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * Twenty distinguishable colours (matplotlib's tab20 order: each hue dark then light), so that stacks of up to
     * twenty layers never repeat a colour (XChart's themes have ten).
     */
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
            new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
            new Color(0xbcbd22), new Color(0x17becf), new Color(0xaec7e8), new Color(0xffbb78), new Color(0x98df8a),
            new Color(0xff9896), new Color(0xc5b0d5), new Color(0xc49c94), new Color(0xf7b6d2), new Color(0xc7c7c7),
            new Color(0xdbdb8d), new Color(0x9edae5)};

    /** Lines with more points than this are drawn without markers. */
    private static final int MAX_POINTS_WITH_MARKERS = 40;

    /** Titles longer than this many characters get a smaller font, so that they fit the chart's width. */
    private static final int LONG_TITLE = 80;

    private static void style(AxesChartStyler styler, String title) {
        styler.setSeriesColors(PALETTE);
        styler.setXAxisTickMarkSpacingHint(70);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesColor(new Color(225, 225, 225));
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Vertical);
        styler.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, title.length() > LONG_TITLE ? 13 : 16));
        styler.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        styler.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        styler.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        styler.setAntiAlias(true);
    }

    /** The legend sits below the plot, one series a row: make room for it. */
    private static int legendRows(int series) {
        return series;
    }
}
