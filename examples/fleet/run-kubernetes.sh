#!/bin/bash
# Runs the sharded benchmark as a Kubernetes Indexed Job, then the report Job over the shared results volume.
#   examples/fleet/run-kubernetes.sh          (kubectl's current context and namespace)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kubectl apply -f "$here/kubernetes-indexed-job.yaml"
# a failed index still lets the report run: it names the shards that are missing
kubectl wait --for=condition=complete --timeout=4h job/tessera-fleet \
    || echo "tessera-fleet did not complete; reporting on the shards that exist" >&2
kubectl apply -f "$here/kubernetes-report-job.yaml"
kubectl wait --for=condition=complete --timeout=30m job/tessera-fleet-report
kubectl logs job/tessera-fleet-report
