package dev.tessera.bench.harness;

import dev.tessera.models.Model;

/** The model as ONNX bytes for the ONNX Runtime peer. */
final class OnnxExport {
    private OnnxExport() {
    }

    /**
     * @throws UnsupportedOperationException until the ONNX exporter ({@code dev.tessera.models.onnx.OnnxExporter})
     *                                       is on main: the peer's rows then say so as "unsupported"
     */
    static byte[] toBytes(Model model) {
        throw new UnsupportedOperationException("the ONNX exporter (dev.tessera.models.onnx.OnnxExporter) is not "
                + "available in this build, so the ONNX Runtime peer cannot run " + model.name());
    }
}
