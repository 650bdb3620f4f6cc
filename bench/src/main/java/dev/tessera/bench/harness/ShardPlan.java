package dev.tessera.bench.harness;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.function.ToLongFunction;

import com.fasterxml.jackson.core.JsonProcessingException;

import dev.tessera.reports.results.FleetInfo;
import dev.tessera.reports.results.ResultsJson;
import dev.tessera.reports.results.RunSettings;

/**
 * Splits the configuration matrix into N disjoint parts of about equal expected cost, the same way on every machine:
 * greedy longest-processing-time (items by cost, largest first, ties in plan order; each to the part with the least
 * cost so far, ties to the lowest part). The makespan is at most 4/3 of the best possible split; no split can beat
 * the larger of the mean part and the costliest single item.
 */
public final class ShardPlan {
    /**
     * Fixed cost of a task in the units of {@link Harness#weight} (10 M multiply-accumulates per row and image):
     * opening the backend, building the programs, preparing the weights.
     */
    static final long TASK_OVERHEAD = 10;

    private ShardPlan() {
    }

    /** Expected cost of a task: MACs x batch x rows, plus the fixed overhead. */
    static long cost(Harness.Task task) {
        return task.weight() + TASK_OVERHEAD;
    }

    /**
     * The part (0 to count-1) each item goes to.
     *
     * @param costs expected cost of each item, in plan order
     */
    public static int[] assign(long[] costs, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("at least one shard: " + count);
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < costs.length; i++) {
            order.add(i);
        }
        order.sort(Comparator.<Integer>comparingLong(i -> costs[i]).reversed().thenComparingInt(i -> i));
        long[] load = new long[count];
        int[] part = new int[costs.length];
        for (int i : order) {
            int least = 0;
            for (int p = 1; p < count; p++) {
                if (load[p] < load[least]) {
                    least = p;
                }
            }
            part[i] = least;
            load[least] += costs[i];
        }
        return part;
    }

    /** The items of one shard, in their original order. */
    public static <T> List<T> select(List<T> items, ToLongFunction<T> cost, FleetInfo.Shard shard) {
        long[] costs = items.stream().mapToLong(cost).toArray();
        int[] part = assign(costs, shard.count());
        List<T> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (part[i] == shard.index() - 1) {
                out.add(items.get(i));
            }
        }
        return out;
    }

    /**
     * The identity of a whole matrix: SHA-256 over the settings that define it, the seed, and every row id with its
     * device name, sorted. Host, output path, probe and progress options do not change it.
     */
    public static String matrixId(RunSettings settings, long seed, List<String> rowsWithDevices) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(ResultsJson.MAPPER.writer().without(
                    com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(settings));
            sha.update(("\nseed=" + seed + "\n").getBytes(StandardCharsets.UTF_8));
            for (String row : rowsWithDevices.stream().sorted().toList()) {
                sha.update((row + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException("cannot compute the matrix identity: " + e.getMessage(), e);
        }
    }
}
