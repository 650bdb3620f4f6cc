package dev.tessera.bench.harness;

import dev.tessera.models.Model;
import dev.tessera.models.onnx.OnnxExporter;

/** The model as ONNX bytes for the ONNX Runtime peer ({@link OnnxExporter}: opset 13, symbolic batch). */
final class OnnxExport {
    private OnnxExport() {
    }

    static byte[] toBytes(Model model) {
        return OnnxExporter.toBytes(model);
    }
}
