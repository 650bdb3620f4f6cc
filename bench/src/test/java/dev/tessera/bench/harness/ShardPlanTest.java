package dev.tessera.bench.harness;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.reports.results.FleetInfo;

/** The shard partition: disjoint, complete, deterministic, balanced by expected cost; and --shard's parsing. */
class ShardPlanTest {
    private static final ClDevice DEVICE = DeviceSelector.fromSetting("tessera.test.device", "TESSERA_TEST_DEVICE");

    /** The lower bound of any split into n parts: the mean part or the costliest single item. */
    private static double bound(long[] costs, int n) {
        long total = 0;
        long max = 0;
        for (long c : costs) {
            total += c;
            max = Math.max(max, c);
        }
        return Math.max((double) total / n, max);
    }

    private static long[] loads(long[] costs, int[] part, int n) {
        long[] load = new long[n];
        for (int i = 0; i < costs.length; i++) {
            load[part[i]] += costs[i];
        }
        return load;
    }

    @Test
    void longestFirstToTheLeastLoadedPartByHand() {
        // 5 -> A; 4 -> B; 3 -> B (7); 3 -> A (8); 3 -> B (10)
        assertArrayEquals(new int[] {0, 1, 1, 0, 1}, ShardPlan.assign(new long[] {5, 4, 3, 3, 3}, 2));
        // ties between equal costs go in plan order, between equal loads to the lowest part
        assertArrayEquals(new int[] {0, 1, 2, 0}, ShardPlan.assign(new long[] {1, 1, 1, 1}, 3));
        assertArrayEquals(new int[] {0, 0, 0}, ShardPlan.assign(new long[] {3, 2, 1}, 1));
    }

    @Test
    void seededRandomMatricesAreSplitCompletelyDisjointlyRepeatablyAndWithin20PercentOfTheBound() {
        Random random = new Random(16);
        for (int trial = 0; trial < 200; trial++) {
            int items = 1 + random.nextInt(60);
            long[] costs = new long[items];
            for (int i = 0; i < items; i++) {
                // costs over three orders of magnitude, as LeNet-5 against VGG-16 at batch 8
                costs[i] = 10 + (long) Math.pow(10, 3 * random.nextDouble());
            }
            int n = 1 + random.nextInt(8);
            int[] part = ShardPlan.assign(costs, n);
            assertArrayEquals(part, ShardPlan.assign(costs.clone(), n), "the same matrix splits the same way");
            for (int p : part) {
                assertTrue(p >= 0 && p < n);
            }
            long max = java.util.Arrays.stream(loads(costs, part, n)).max().orElseThrow();
            assertTrue(max <= 1.2 * bound(costs, n), "trial " + trial + ": " + max + " against " + bound(costs, n));
        }
    }

    @Test
    void selectGivesEachItemToExactlyOneShardInPlanOrder() {
        List<Integer> items = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            items.add(i);
        }
        Set<Integer> seen = new HashSet<>();
        for (int k = 1; k <= 4; k++) {
            List<Integer> mine = ShardPlan.select(items, i -> 1 + (i * 7L) % 5, new FleetInfo.Shard(k, 4));
            assertEquals(mine.stream().sorted().toList(), mine, "plan order kept");
            for (int i : mine) {
                assertTrue(seen.add(i), i + " in two shards");
            }
        }
        assertEquals(items.size(), seen.size());
    }

    @Test
    void theQuickDefaultMatrixSplitsWithin20PercentOfTheBestPossibleCost() {
        BenchSettings s = new BenchSettings(true, List.of("lenet5", "vgg16", "resnet50"), 32,
                List.of("opencl", "aparapi"), "test", List.of(DEVICE), List.of(ConvAlgorithm.AUTO), List.of(1, 8),
                BenchSettings.SCENARIOS, BenchSettings.PEERS, new Sampler(1, 5, 0.2, 100), 3, 42, false);
        List<Harness.Task> plan = new Harness(s, (b, d) -> {
            throw new AssertionError("planning opens no backend");
        }, Progress.silent()).plan();
        long[] costs = plan.stream().mapToLong(ShardPlan::cost).toArray();
        List<String> all = plan.stream().flatMap(t -> t.keys().stream()).map(RowKey::id).sorted().toList();
        for (int n = 2; n <= 4; n++) {
            List<String> union = new ArrayList<>();
            double worst = 0;
            for (int k = 1; k <= n; k++) {
                List<Harness.Task> mine = ShardPlan.select(plan, ShardPlan::cost, new FleetInfo.Shard(k, n));
                mine.forEach(t -> t.keys().forEach(key -> union.add(key.id())));
                worst = Math.max(worst, mine.stream().mapToLong(ShardPlan::cost).sum());
            }
            assertEquals(all, union.stream().sorted().toList(), n + " shards: every row once");
            assertTrue(worst <= 1.2 * bound(costs, n), n + " shards: " + worst + " against " + bound(costs, n));
        }
    }

    @Test
    void theMatrixIdentityDependsOnTheMatrixNotOnTheOrderOfItsRows() {
        BenchSettings s = new BenchSettings(true, List.of("lenet5"), null, List.of("opencl"), "all", List.of(),
                List.of(ConvAlgorithm.AUTO), List.of(1), List.of("latency"), List.of(), new Sampler(0, 3, 0, 100), 1,
                42, false);
        String a = ShardPlan.matrixId(s.toRecord(), 42, List.of("x dev", "y dev"));
        assertEquals(a, ShardPlan.matrixId(s.toRecord(), 42, List.of("y dev", "x dev")));
        assertEquals(64, a.length());
        assertNotEquals(a, ShardPlan.matrixId(s.toRecord(), 43, List.of("x dev", "y dev")), "another seed");
        assertNotEquals(a, ShardPlan.matrixId(s.toRecord(), 42, List.of("x dev", "y other")), "another device");
    }

    // ---- --shard

    @Test
    void manualShards() {
        ShardSpec s = ShardSpec.parse("2/4", Map.of());
        assertEquals(new FleetInfo.Shard(2, 4), s.shard());
        assertEquals("manual", s.scheduler());
        assertEquals(ShardSpec.NONE, ShardSpec.parse(null, Map.of()));
        assertFalse(ShardSpec.parse("1/1", Map.of()).sharded());
        for (String bad : List.of("0/4", "5/4", "1/0", "2", "a/b", "1/-1", "auto/x")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ShardSpec.parse(bad, Map.of()), bad);
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    void slurmJobArrays() {
        // sbatch --array=0-3: task 2 is the third of four
        ShardSpec s = ShardSpec.parse("auto", Map.of("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_MIN", "0",
                "SLURM_ARRAY_TASK_MAX", "3"));
        assertEquals(new FleetInfo.Shard(3, 4), s.shard());
        assertEquals("slurm", s.scheduler());
        // --array=1-5 with COUNT
        assertEquals(new FleetInfo.Shard(1, 5), ShardSpec.parse("auto", Map.of("SLURM_ARRAY_TASK_ID", "1",
                "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_COUNT", "5")).shard());
        // --array=10-16:3 = 10, 13, 16: task 16 is the third of three
        assertEquals(new FleetInfo.Shard(3, 3), ShardSpec.parse("auto", Map.of("SLURM_ARRAY_TASK_ID", "16",
                "SLURM_ARRAY_TASK_MIN", "10", "SLURM_ARRAY_TASK_MAX", "16", "SLURM_ARRAY_TASK_STEP", "3")).shard());
        assertEquals(new FleetInfo.Shard(2, 3), ShardSpec.parse("auto/3", Map.of("SLURM_ARRAY_TASK_ID", "13",
                "SLURM_ARRAY_TASK_MIN", "10", "SLURM_ARRAY_TASK_COUNT", "3", "SLURM_ARRAY_TASK_STEP", "3")).shard());
        assertThrows(IllegalArgumentException.class, () -> ShardSpec.parse("auto/5", Map.of("SLURM_ARRAY_TASK_ID",
                "1", "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_MAX", "3")), "auto/5 against a 4-task array");
        // --array=1,2,5: three tasks with a gap; task 5 would be shard 5 of 3, and shard 3 would be nobody's
        IllegalArgumentException list = assertThrows(IllegalArgumentException.class, () -> ShardSpec.parse("auto",
                Map.of("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_MAX", "5",
                        "SLURM_ARRAY_TASK_COUNT", "3", "SLURM_ARRAY_TASK_STEP", "1")));
        assertTrue(list.getMessage().contains("not a range (3 tasks from 1 to 5 in steps of 1)"), list.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ShardSpec.parse("auto", Map.of("SLURM_ARRAY_TASK_ID",
                "1")), "no MIN");
        assertThrows(IllegalArgumentException.class, () -> ShardSpec.parse("auto", Map.of("SLURM_ARRAY_TASK_ID",
                "1", "SLURM_ARRAY_TASK_MIN", "0")), "neither MAX nor COUNT");
    }

    @Test
    void kubernetesIndexedJobs() {
        assertEquals(new FleetInfo.Shard(1, 4), ShardSpec.parse("auto/4", Map.of("JOB_COMPLETION_INDEX", "0"))
                .shard());
        ShardSpec s = ShardSpec.parse("auto", Map.of("JOB_COMPLETION_INDEX", "3", "TESSERA_SHARD_COUNT", "4"));
        assertEquals(new FleetInfo.Shard(4, 4), s.shard());
        assertEquals("kubernetes", s.scheduler());
        IllegalArgumentException noCount = assertThrows(IllegalArgumentException.class,
                () -> ShardSpec.parse("auto", Map.of("JOB_COMPLETION_INDEX", "0")));
        assertTrue(noCount.getMessage().contains("TESSERA_SHARD_COUNT"), noCount.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ShardSpec.parse("auto/4",
                Map.of("JOB_COMPLETION_INDEX", "4")), "index 4 of 4 (0-based) is past the end");
        assertThrows(IllegalArgumentException.class, () -> ShardSpec.parse("auto/3",
                Map.of("JOB_COMPLETION_INDEX", "0", "TESSERA_SHARD_COUNT", "4")), "auto/3 against 4");
    }

    @Test
    void autoWithoutASchedulerSaysWhatItLookedFor() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShardSpec.parse("auto", Map.of("PATH", "/bin")));
        assertTrue(e.getMessage().contains("SLURM_ARRAY_TASK_ID") && e.getMessage().contains("JOB_COMPLETION_INDEX"),
                e.getMessage());
    }
}
