package dev.tessera.bench.harness;

import java.util.List;

import dev.tessera.reports.results.Environment;
import dev.tessera.reports.results.FleetInfo;

/** The {@code fleet} section of a results file: where it ran, which shard, and the identity of the whole matrix. */
final class FleetInfos {
    private FleetInfos() {
    }

    static FleetInfo of(Environment env, BenchSettings settings, ShardSpec shard, List<Harness.Task> full,
            List<Harness.Task> mine) {
        List<String> rows = full.stream().flatMap(t -> t.keys().stream()).map(k -> k.id() + " " + k.device()).toList();
        return new FleetInfo(env.host(), settings.devices().stream().map(d -> d.index() + ": " + d.name()).toList(),
                shard.shard(), shard.scheduler(), ShardPlan.matrixId(settings.toRecord(), settings.seed(), rows),
                rows.size(), (int) mine.stream().mapToLong(t -> t.keys().size()).sum());
    }
}
