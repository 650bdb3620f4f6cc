#!/usr/bin/env python3
"""Joins the rows of one scripts/gpu-check run: Tessera's latency and throughput rows (the summary CSV `tessera bench`
writes beside its JSON) and the PyTorch peer's rows (pytorch_peer.py) into summary.csv and summary.md, with Tessera's
time over PyTorch's per model and batch (below 1: Tessera is faster), device-resident and end to end.

Usage: gpu_summary.py BENCH_CSV PYTORCH_CSV OUT_DIR   (PYTORCH_CSV may be missing: then only Tessera's rows)
"""
import csv
import os
import sys


def read(path):
    if not path or not os.path.isfile(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def ratio(ours, theirs):
    a, b = number(ours), number(theirs)
    return "%.3f" % (a / b) if a is not None and b else ""


def main(bench_csv, pytorch_csv, out_dir):
    ours = [r for r in read(bench_csv) if r.get("scenario") in ("latency", "throughput")]
    peers = {(r["model"], r["batch"]): r for r in read(pytorch_csv) if r.get("status") == "ok"}
    fields = ["source", "scenario", "device", "model", "algorithm", "batch", "status", "resident_median_ms",
              "e2e_median_ms", "images_per_second_resident", "images_per_second_end_to_end",
              "resident_over_pytorch", "e2e_over_pytorch", "reason"]
    rows = []
    for r in ours:
        peer = peers.get((r.get("model"), r.get("batch")))
        rows.append({"source": "tessera/" + r.get("backend", ""), "scenario": r.get("scenario"),
                     "device": r.get("device"), "model": r.get("model"), "algorithm": r.get("algorithm"),
                     "batch": r.get("batch"), "status": r.get("status"),
                     "resident_median_ms": r.get("resident_median_ms"), "e2e_median_ms": r.get("e2e_median_ms"),
                     "images_per_second_resident": r.get("images_per_second_resident"),
                     "images_per_second_end_to_end": r.get("images_per_second_end_to_end"),
                     "resident_over_pytorch": ratio(r.get("resident_median_ms"), peer and peer["resident_median_ms"]),
                     "e2e_over_pytorch": ratio(r.get("e2e_median_ms"), peer and peer["e2e_median_ms"]),
                     "reason": r.get("reason", "")})
    for r in read(pytorch_csv):
        rows.append({"source": "pytorch " + r.get("torch", ""), "scenario": "latency+throughput",
                     "device": r.get("device"), "model": r.get("model"), "algorithm": "cudnn fp32, tf32 off",
                     "batch": r.get("batch"), "status": r.get("status"),
                     "resident_median_ms": r.get("resident_median_ms"), "e2e_median_ms": r.get("e2e_median_ms"),
                     "images_per_second_resident": r.get("images_per_second_resident"),
                     "images_per_second_end_to_end": r.get("images_per_second_end_to_end"),
                     "resident_over_pytorch": "", "e2e_over_pytorch": "", "reason": r.get("reason", "")})
    with open(os.path.join(out_dir, "summary.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    shown = fields[:-1]
    with open(os.path.join(out_dir, "summary.md"), "w") as f:
        f.write("| " + " | ".join(shown) + " |\n|" + "---|" * len(shown) + "\n")
        for r in rows:
            f.write("| " + " | ".join(str(r.get(k) or "") for k in shown) + " |\n")
    print("summary: %d Tessera rows, %d PyTorch rows, %d with a ratio" % (
        len(ours), len(rows) - len(ours), sum(1 for r in rows if r["resident_over_pytorch"])), file=sys.stderr)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print("usage: gpu_summary.py BENCH_CSV PYTORCH_CSV OUT_DIR", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
