"""Exports torchvision models (and a small fully convolutional head, fcn) with seeded random weights through both
PyTorch ONNX exporters, for Tessera's zoo test.

For each model and exporter it writes <out>/<model>-<exporter>.onnx (the dynamo exporter may add a .onnx.data file of
external weights beside it; fcn's TorchScript export has a symbolic H and W), the input <out>/<model>-input.npy
(float32 [1, 3, S, S], seeded uniform [0, 1)) and ONNX Runtime's output on that file <out>/<model>-<exporter>-ort.npy,
and one line per export to <out>/manifest.tsv: model, exporter, input size, onnx file, input file, output file.
Nothing is downloaded: weights are the modules' random initialisation under torch.manual_seed.

Usage: python export_zoo.py OUT_DIR --models alexnet,vgg11,... --size 224 [--exporters legacy,dynamo] [--seed 1]
"""
import argparse
import os
import sys
import warnings

import numpy as np
import onnxruntime as ort
import torch


def import_torchvision():
    """torchvision; where its compiled detection ops cannot load (a CUDA build of torchvision over a CPU build of torch,
    as package mirrors pair them), their two schemas that torchvision's import registers fakes for are declared first.
    The classification models use none of them."""
    try:
        import torchvision
        return torchvision
    except RuntimeError as e:
        if "torchvision::nms" not in str(e):
            raise
    for module in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[module]
    library = torch.library.Library("torchvision", "FRAGMENT")
    library.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    library.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    import_torchvision.library = library  # keep the definitions alive
    import torchvision
    print("note: torchvision's compiled ops did not load; declared nms/qnms (unused by these models)", file=sys.stderr)
    return torchvision


torchvision = import_torchvision()

def fcn(weights=None):
    """A small fully convolutional segmentation head (not from torchvision): LeakyReLU, reflection padding, hard swish
    and a softmax over the classes of every pixel; the TorchScript export leaves H and W symbolic."""
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.LeakyReLU(0.1), nn.ReflectionPad2d(1),
                         nn.Conv2d(16, 16, 3), nn.Hardswish(), nn.Conv2d(16, 5, 1), nn.Softmax(dim=1))


MODELS = {
    "alexnet": torchvision.models.alexnet,
    "vgg11": torchvision.models.vgg11,
    "resnet18": torchvision.models.resnet18,
    "squeezenet1_1": torchvision.models.squeezenet1_1,
    "mobilenet_v2": torchvision.models.mobilenet_v2,
    "fcn": fcn,
}


def export(model, x, path, exporter, symbolic_plane):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if exporter == "legacy" and symbolic_plane:
            torch.onnx.export(model, (x,), path, dynamo=False, input_names=["x"],
                              dynamic_axes={"x": {2: "height", 3: "width"}})
        elif exporter == "legacy":
            torch.onnx.export(model, (x,), path, dynamo=False)
        else:
            torch.onnx.export(model, (x,), path, dynamo=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--exporters", default="legacy,dynamo")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    lines = []
    for name in args.models.split(","):
        if name not in MODELS:
            sys.exit(f"unknown model {name} (known: {', '.join(MODELS)})")
        torch.manual_seed(args.seed)
        model = MODELS[name](weights=None).eval()
        generator = torch.Generator().manual_seed(args.seed + 1000)
        x = torch.rand(1, 3, args.size, args.size, generator=generator)
        input_file = f"{name}-input.npy"
        np.save(os.path.join(args.out, input_file), x.numpy())
        for exporter in args.exporters.split(","):
            onnx_file = f"{name}-{exporter}.onnx"
            path = os.path.join(args.out, onnx_file)
            with torch.no_grad():
                export(model, x, path, exporter, name == "fcn")
            session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
            feed = {session.get_inputs()[0].name: x.numpy()}
            y = session.run(None, feed)[0].astype(np.float32)
            output_file = f"{name}-{exporter}-ort.npy"
            np.save(os.path.join(args.out, output_file), y)
            lines.append("\t".join([name, exporter, str(args.size), onnx_file, input_file, output_file]))
            print(f"exported {name} ({exporter}, {args.size}x{args.size}): output {list(y.shape)}", flush=True)
    with open(os.path.join(args.out, "manifest.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
