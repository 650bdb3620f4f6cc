#!/bin/bash
# Submits the shard array (slurm-array.sbatch) and a report job that runs after every array task has ended (also
# after a failed one: the report then names the missing shards). Run it from the repository root on a login node:
#
#   examples/fleet/submit-slurm.sh [RUN_DIR]
set -euo pipefail
RUN_DIR="$(realpath -m "${1:-fleet-runs/$(date -u +%Y%m%dT%H%M%SZ)}")"
mkdir -p "$RUN_DIR"
# build the jar once here, so that the array's tasks do not all build it at the same time in the shared checkout
./tessera --version >/dev/null
array=$(sbatch --parsable --export=ALL,RUN_DIR="$RUN_DIR" examples/fleet/slurm-array.sbatch)
sbatch --dependency=afterany:"$array" --job-name=tessera-report --output="$RUN_DIR/report.log" \
    --wrap "./tessera report '$RUN_DIR' --out '$RUN_DIR/report'"
echo "shards: job array $array; results and report in $RUN_DIR"
