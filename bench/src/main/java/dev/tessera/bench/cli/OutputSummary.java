package dev.tessera.bench.cli;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import dev.tessera.backend.Tensor;

/**
 * Summary statistics of a model output that is not class scores (a feature map, a segmentation, an embedding), for
 * {@code tessera run}: the number of values, minimum, maximum, mean and standard deviation over the finite ones (in
 * double), and how many are NaN or infinite.
 */
record OutputSummary(long values, double min, double max, double mean, double std, long nonFinite) {
    static OutputSummary of(Tensor y) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        long finite = 0;
        for (float v : y.data()) {
            if (Float.isFinite(v)) {
                min = Math.min(min, v);
                max = Math.max(max, v);
                sum += v;
                finite++;
            }
        }
        double mean = finite == 0 ? Double.NaN : sum / finite;
        double squares = 0;
        for (float v : y.data()) {
            if (Float.isFinite(v)) {
                squares += (v - mean) * (v - mean);
            }
        }
        return new OutputSummary(y.size(), finite == 0 ? Double.NaN : min, finite == 0 ? Double.NaN : max, mean,
                finite == 0 ? Double.NaN : Math.sqrt(squares / finite), y.size() - finite);
    }

    /** The JSON object {@code output_summary}. */
    Map<String, Object> json() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("values", values);
        j.put("min", min);
        j.put("max", max);
        j.put("mean", mean);
        j.put("std", std);
        j.put("non_finite", nonFinite);
        return j;
    }

    /** One line for people. */
    String line() {
        return String.format(Locale.ROOT, "%d values: min %.6g, max %.6g, mean %.6g, std %.6g%s", values, min, max,
                mean, std, nonFinite == 0 ? "" : ", " + nonFinite + " NaN or infinite");
    }
}
