package dev.tessera.bench.harness;

import java.util.Map;

import dev.tessera.reports.results.FleetInfo;

/**
 * Which shard of the configuration matrix a {@code tessera bench} runs: {@code --shard K/N} (K from 1 to N, e.g.
 * from a CI matrix), or {@code --shard auto} / {@code auto/N} read from the scheduler's environment:
 * <ul>
 * <li>Slurm job arrays: {@code SLURM_ARRAY_TASK_ID} with {@code SLURM_ARRAY_TASK_MIN} and
 * {@code SLURM_ARRAY_TASK_COUNT} (or {@code SLURM_ARRAY_TASK_MAX}), stepped by {@code SLURM_ARRAY_TASK_STEP} when
 * set: the task's position in the array is its shard;</li>
 * <li>Kubernetes Indexed Jobs: {@code JOB_COMPLETION_INDEX} (0-based) with the count from {@code auto/N} or
 * {@code TESSERA_SHARD_COUNT} (Kubernetes does not put {@code completions} into the environment).</li>
 * </ul>
 *
 * @param shard     the part to run
 * @param scheduler "none", "manual", "slurm" or "kubernetes"
 */
public record ShardSpec(FleetInfo.Shard shard, String scheduler) {
    /** The whole matrix. */
    public static final ShardSpec NONE = new ShardSpec(new FleetInfo.Shard(1, 1), "none");
    /** Environment variable with the shard count for Kubernetes Indexed Jobs. */
    public static final String COUNT_VARIABLE = "TESSERA_SHARD_COUNT";

    /**
     * Parses {@code --shard}'s value (null: the whole matrix).
     *
     * @throws IllegalArgumentException with one line naming the problem
     */
    public static ShardSpec parse(String value, Map<String, String> env) {
        if (value == null) {
            return NONE;
        }
        String v = value.strip();
        if (v.equals("auto") || v.startsWith("auto/")) {
            Integer count = v.equals("auto") ? null : number(v.substring(5), "--shard auto/N: N");
            return fromEnvironment(count, env);
        }
        int slash = v.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("--shard '" + value + "': expected K/N (the K-th of N parts, K from 1 "
                    + "to N), auto or auto/N");
        }
        int k = number(v.substring(0, slash), "--shard K/N: K");
        int n = number(v.substring(slash + 1), "--shard K/N: N");
        return new ShardSpec(shard(k, n, "--shard " + v), "manual");
    }

    private static ShardSpec fromEnvironment(Integer givenCount, Map<String, String> env) {
        String slurmId = env.get("SLURM_ARRAY_TASK_ID");
        if (slurmId != null) {
            int id = number(slurmId, "SLURM_ARRAY_TASK_ID");
            String minText = env.get("SLURM_ARRAY_TASK_MIN");
            if (minText == null) {
                throw new IllegalArgumentException("--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_MIN "
                        + "is not");
            }
            int min = number(minText, "SLURM_ARRAY_TASK_MIN");
            int step = env.containsKey("SLURM_ARRAY_TASK_STEP")
                    ? number(env.get("SLURM_ARRAY_TASK_STEP"), "SLURM_ARRAY_TASK_STEP") : 1;
            if (step < 1 || (id - min) % step != 0) {
                throw new IllegalArgumentException("--shard auto: SLURM_ARRAY_TASK_ID " + id + " is not on the array's "
                        + "grid (min " + min + ", step " + step + ")");
            }
            Integer span = env.containsKey("SLURM_ARRAY_TASK_MAX")
                    ? (number(env.get("SLURM_ARRAY_TASK_MAX"), "SLURM_ARRAY_TASK_MAX") - min) / step + 1 : null;
            int count;
            if (env.containsKey("SLURM_ARRAY_TASK_COUNT")) {
                count = number(env.get("SLURM_ARRAY_TASK_COUNT"), "SLURM_ARRAY_TASK_COUNT");
                // an array given as a list (--array=1,2,5) has gaps: its task ids cannot number the shards
                if (span != null && span != count) {
                    throw new IllegalArgumentException("--shard auto: the Slurm array is not a range (" + count
                            + " tasks from " + min + " to " + env.get("SLURM_ARRAY_TASK_MAX").strip() + " in steps of "
                            + step + "); submit it as MIN-MAX[:STEP] or give --shard K/N");
                }
            } else if (span != null) {
                count = span;
            } else {
                throw new IllegalArgumentException("--shard auto: SLURM_ARRAY_TASK_ID is set but neither "
                        + "SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX is");
            }
            if (givenCount != null && givenCount != count) {
                throw new IllegalArgumentException("--shard auto/" + givenCount + ": the Slurm array has " + count
                        + " tasks");
            }
            return new ShardSpec(shard((id - min) / step + 1, count, "the Slurm array task " + id), "slurm");
        }
        String index = env.get("JOB_COMPLETION_INDEX");
        if (index != null) {
            int i = number(index, "JOB_COMPLETION_INDEX");
            String countText = env.get(COUNT_VARIABLE);
            Integer fromEnv = countText == null ? null : number(countText, COUNT_VARIABLE);
            if (givenCount != null && fromEnv != null && !givenCount.equals(fromEnv)) {
                throw new IllegalArgumentException("--shard auto/" + givenCount + " disagrees with " + COUNT_VARIABLE
                        + "=" + fromEnv);
            }
            Integer count = givenCount != null ? givenCount : fromEnv;
            if (count == null) {
                throw new IllegalArgumentException("--shard auto: JOB_COMPLETION_INDEX is set but the number of shards "
                        + "is not: give --shard auto/N or set " + COUNT_VARIABLE + " (the Job's completions)");
            }
            return new ShardSpec(shard(i + 1, count, "JOB_COMPLETION_INDEX " + i), "kubernetes");
        }
        throw new IllegalArgumentException("--shard auto: no scheduler variables found (SLURM_ARRAY_TASK_ID of a "
                + "Slurm job array, JOB_COMPLETION_INDEX of a Kubernetes Indexed Job); give --shard K/N instead");
    }

    private static FleetInfo.Shard shard(int k, int n, String what) {
        if (n < 1) {
            throw new IllegalArgumentException(what + ": the number of shards must be at least 1, not " + n);
        }
        if (k < 1 || k > n) {
            throw new IllegalArgumentException(what + ": shard " + k + " is not between 1 and " + n);
        }
        return new FleetInfo.Shard(k, n);
    }

    private static int number(String text, String what) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " is not an integer: '" + text + "'");
        }
    }

    public boolean sharded() {
        return shard.count() > 1;
    }
}
