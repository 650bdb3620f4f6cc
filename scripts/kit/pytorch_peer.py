#!/usr/bin/env python3
"""The PyTorch peer of scripts/gpu-check: times Tessera's zoo models in fp32 on the same GPU through PyTorch (cuDNN,
TF32 off), so that Tessera's time over PyTorch's comes from one run on one machine.

The models are built here layer for layer as Tessera's zoo defines them (models/.../ModelZoo.java): lenet5 (conv 6@5x5
pad 2, ReLU, max-pool 2, conv 16@5x5, ReLU, max-pool 2, FC 120 ReLU, FC 84 ReLU, FC 10), vgg16 (configuration D, FC
4096-4096-1000, softmax) and resnet50 (torchvision v1.5: the bottleneck's stride on its 3x3 conv, BN, global average
pool, FC 1000), with random weights: only the time matters. Eval mode, no autograd, channels-first tensors.

Per model and batch it measures, after warm-up, the median of at least --min-samples runs and --min-time seconds:
  resident:   the input already on the GPU, torch.cuda.synchronize() after the forward pass;
  end to end: the input copied from host memory, the output copied back (as Tessera's end-to-end figure).
Writes a CSV (--out) with one row per model and batch, or a row with status `error` and the reason.

Usage: pytorch_peer.py --models lenet5,resnet50,vgg16 --batch 1,16 --input-size 224 --out pytorch.csv
"""
import argparse
import csv
import os
import statistics
import sys
import time


def lenet5(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def vgg16(nn, size):
    layers = []
    channels = 3
    for token in "64 64 M 128 128 M 256 256 256 M 512 512 512 M 512 512 512 M".split():
        if token == "M":
            layers.append(nn.MaxPool2d(2, 2))
            size //= 2
        else:
            layers += [nn.Conv2d(channels, int(token), 3, padding=1), nn.ReLU()]
            channels = int(token)
    layers += [nn.Flatten(), nn.Linear(channels * size * size, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(),
               nn.Linear(4096, 1000), nn.Softmax(dim=1)]
    return nn.Sequential(*layers)


def resnet50(torch, nn):
    class Bottleneck(nn.Module):
        def __init__(self, in_planes, planes, stride):
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, bias=False), nn.BatchNorm2d(planes), nn.ReLU(),
                nn.Conv2d(planes, planes, 3, stride, 1, bias=False), nn.BatchNorm2d(planes), nn.ReLU(),
                nn.Conv2d(planes, planes * 4, 1, bias=False), nn.BatchNorm2d(planes * 4))
            self.shortcut = nn.Identity()
            if stride != 1 or in_planes != planes * 4:
                self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes * 4, 1, stride, bias=False),
                                              nn.BatchNorm2d(planes * 4))

        def forward(self, x):
            return torch.relu(self.body(x) + self.shortcut(x))

    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    in_planes = 64
    for stage, blocks in enumerate([3, 4, 6, 3]):
        planes = 64 << stage
        for i in range(blocks):
            layers.append(Bottleneck(in_planes, planes, 2 if stage > 0 and i == 0 else 1))
            in_planes = planes * 4
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000)]
    return nn.Sequential(*layers)


def build(torch, name, size):
    nn = torch.nn
    if name == "lenet5":
        return lenet5(nn), (1, 28, 28)
    if name == "vgg16":
        return vgg16(nn, size), (3, size, size)
    if name == "resnet50":
        return resnet50(torch, nn), (3, size, size)
    raise ValueError("no PyTorch definition of model '%s' (known: lenet5, vgg16, resnet50)" % name)


def sample(run, synchronize, warmup, min_samples, min_time):
    for _ in range(warmup):
        run()
    synchronize()
    times = []
    start = time.perf_counter()
    while len(times) < min_samples or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        run()
        synchronize()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="lenet5,resnet50,vgg16")
    parser.add_argument("--batch", default="1,16")
    parser.add_argument("--input-size", type=int, default=224)
    parser.add_argument("--min-samples", type=int, default=10)
    parser.add_argument("--min-time", type=float, default=1.0)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    import torch
    if not torch.cuda.is_available():
        print("pytorch_peer: PyTorch sees no CUDA device", file=sys.stderr)
        return 1
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True  # cuDNN picks its fastest algorithm per layer, as Tessera's AUTO does
    device = torch.device("cuda")
    torch.manual_seed(1)
    fields = ["peer", "device", "model", "input_shape", "batch", "status", "reason", "resident_n",
              "resident_median_ms", "e2e_n", "e2e_median_ms", "images_per_second_resident",
              "images_per_second_end_to_end", "torch", "cudnn", "tf32"]
    rows = []
    for name in args.models.split(","):
        for batch in [int(b) for b in args.batch.split(",")]:
            row = {"peer": "pytorch", "device": torch.cuda.get_device_name(device), "model": name, "batch": batch,
                   "torch": torch.__version__, "cudnn": torch.backends.cudnn.version(), "tf32": "off"}
            try:
                model, shape = build(torch, name, args.input_size)
                row["input_shape"] = "x".join(str(d) for d in shape)
                model = model.to(device).eval()
                host = torch.rand((batch,) + shape, dtype=torch.float32)
                resident_input = host.to(device)
                with torch.inference_mode():
                    resident = sample(lambda: model(resident_input), torch.cuda.synchronize, args.warmup,
                                      args.min_samples, args.min_time)
                    e2e = sample(lambda: model(host.to(device)).cpu(), torch.cuda.synchronize, args.warmup,
                                 args.min_samples, args.min_time)
                r, e = statistics.median(resident), statistics.median(e2e)
                row.update(status="ok", resident_n=len(resident), resident_median_ms="%.4f" % r, e2e_n=len(e2e),
                           e2e_median_ms="%.4f" % e, images_per_second_resident="%.2f" % (batch * 1e3 / r),
                           images_per_second_end_to_end="%.2f" % (batch * 1e3 / e))
                del model, host, resident_input
                torch.cuda.empty_cache()
            except Exception as error:  # one row per failure, and on to the next configuration
                row.update(status="error", reason=("%s: %s" % (type(error).__name__, error)).replace("\n", " "))
            rows.append(row)
            print("pytorch %s b%d: %s %s" % (name, batch, row["status"],
                                             row.get("resident_median_ms") or row.get("reason")), file=sys.stderr)
            with open(args.out + ".tmp", "w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=fields)
                writer.writeheader()
                writer.writerows(rows)
            os.replace(args.out + ".tmp", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
