package dev.tessera.reports.results;

import java.util.List;

/**
 * Where a results file belongs in a fleet run: the host and devices it ran on, which shard of the configuration matrix
 * it holds, and the identity of the whole matrix, so that {@code tessera report} can tell which shards of a run are
 * present, missing or duplicated. Added to schema version 1 without a version change (a new field); files written
 * before it have none ({@code null}).
 *
 * @param host                 host name (as {@code environment.host})
 * @param devices              the benchmarked OpenCL devices, "index: name" (empty without a device)
 * @param shard                which part of the matrix this file holds ({@code 1/1} for an unsharded run)
 * @param scheduler            where the shard came from: "none" (unsharded), "manual" ({@code --shard K/N}),
 *                             "slurm" or "kubernetes" ({@code --shard auto})
 * @param matrixId             SHA-256 (hex) of the canonical whole matrix: the settings that define it, the seed and
 *                             every row id with its device name, sorted; equal for every shard of one run
 * @param matrixRows           rows of the whole matrix
 * @param shardRows            rows of this shard
 */
public record FleetInfo(String host, List<String> devices, Shard shard, String scheduler, String matrixId,
        int matrixRows, int shardRows) {
    public FleetInfo {
        devices = List.copyOf(devices);
    }

    /**
     * One part of a matrix split N ways.
     *
     * @param index 1 to count
     * @param count parts in all
     */
    public record Shard(int index, int count) {
        public Shard {
            if (count < 1 || index < 1 || index > count) {
                throw new IllegalArgumentException("shard " + index + "/" + count + " is not one of 1/N .. N/N");
            }
        }

        @Override
        public String toString() {
            return index + "/" + count;
        }
    }
}
