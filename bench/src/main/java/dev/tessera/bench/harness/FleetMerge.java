package dev.tessera.bench.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.tessera.reports.ReportInputs;
import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.FleetInfo;
import dev.tessera.reports.results.ResultRow;

/**
 * Before a report: the shards of one sharded run are linked again as one run, so that a row and its peer (ONNX
 * Runtime, CLBlast) or its latency row, measured in different shards, are compared as if one process had run them.
 * Files of other runs are left as they are.
 */
public final class FleetMerge {
    private FleetMerge() {
    }

    public static ReportInputs.Inputs relink(ReportInputs.Inputs inputs) {
        Map<String, List<Integer>> byMatrix = new LinkedHashMap<>();
        List<ReportInputs.BenchFile> files = new ArrayList<>(inputs.bench());
        for (int i = 0; i < files.size(); i++) {
            FleetInfo f = files.get(i).results().fleet();
            if (f != null && f.shard().count() > 1) {
                byMatrix.computeIfAbsent(f.matrixId(), k -> new ArrayList<>()).add(i);
            }
        }
        for (List<Integer> group : byMatrix.values()) {
            if (group.size() < 2) {
                continue;
            }
            List<ResultRow> all = new ArrayList<>();
            group.forEach(i -> all.addAll(files.get(i).results().rows()));
            List<ResultRow> linked = Comparisons.link(all);
            int at = 0;
            for (int i : group) {
                BenchResults r = files.get(i).results();
                List<ResultRow> mine = linked.subList(at, at + r.rows().size());
                at += r.rows().size();
                files.set(i, new ReportInputs.BenchFile(files.get(i).path(), new BenchResults(r.schema(),
                        r.schemaVersion(), r.status(), r.startedAt(), r.finishedAt(), r.wallS(), r.environment(),
                        r.settings(), mine, r.fleet())));
            }
        }
        return new ReportInputs.Inputs(files, inputs.jmh());
    }
}
