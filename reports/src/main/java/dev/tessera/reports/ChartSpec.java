package dev.tessera.reports;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The data behind one chart, independent of how it is drawn ({@link Charts} draws it with XChart), so that tests can
 * check the numbers. {@code id} names the chart's files ({@code charts/<id>.png}, {@code .svg}).
 */
public sealed interface ChartSpec permits ChartSpec.Bars, ChartSpec.Lines, ChartSpec.Boxes {
    String id();

    String title();

    /** One or two sentences under the chart: what is shown, the basis of the numbers. */
    String caption();

    /**
     * Grouped (or stacked) bars: one bar per series in each category.
     *
     * @param values per series, one value per category (null: no bar)
     * @param errors per series, one error-bar half-height per category, or null for no error bars
     */
    record Bars(String id, String title, String caption, String xLabel, String yLabel, List<String> categories,
            List<BarSeries> series, boolean stacked, boolean logY) implements ChartSpec {
        public Bars {
            categories = List.copyOf(categories);
            series = List.copyOf(series);
        }

        public BarSeries series(String name) {
            return series.stream().filter(s -> s.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no series " + name + " in " + id));
        }
    }

    /** One series of a bar chart; {@code values} and {@code errors} are aligned with the chart's categories. */
    record BarSeries(String name, List<Double> values, List<Double> errors) {
        public BarSeries {
            values = Collections.unmodifiableList(new ArrayList<>(values));
            errors = errors == null ? null : Collections.unmodifiableList(new ArrayList<>(errors));
        }

        /** The value in the category's position (null: none). */
        public Double value(List<String> categories, String category) {
            return values.get(categories.indexOf(category));
        }
    }

    /** Lines or points on x/y axes, either axis optionally logarithmic. */
    record Lines(String id, String title, String caption, String xLabel, String yLabel, boolean logX, boolean logY,
            List<Line> lines) implements ChartSpec {
        public Lines {
            lines = List.copyOf(lines);
        }

        public Line line(String name) {
            return lines.stream().filter(s -> s.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no line " + name + " in " + id));
        }
    }

    /**
     * One series of an x/y chart.
     *
     * @param markersOnly true for points without a connecting line (the roofline's layers)
     */
    record Line(String name, List<Double> x, List<Double> y, boolean markersOnly) {
        public Line {
            x = List.copyOf(x);
            y = List.copyOf(y);
            if (x.size() != y.size()) {
                throw new IllegalArgumentException(name + ": " + x.size() + " x values but " + y.size() + " y values");
            }
        }
    }

    /** Box plots, one box per series: the samples themselves (the box is drawn from them). */
    record Boxes(String id, String title, String caption, String yLabel, List<Box> boxes) implements ChartSpec {
        public Boxes {
            boxes = List.copyOf(boxes);
        }
    }

    record Box(String name, List<Double> samples) {
        public Box {
            samples = List.copyOf(samples);
        }
    }
}
