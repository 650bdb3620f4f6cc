/**
 * ONNX interchange: {@link dev.tessera.models.onnx.OnnxExporter} writes any {@link dev.tessera.models.Model} with its
 * weights (opset 13) so that ONNX Runtime runs it; {@link dev.tessera.models.onnx.OnnxImporter} reads an ONNX model
 * made of the supported operators back into a model. The protobuf classes are ONNX's own ({@code onnx.proto}, as
 * generated in {@code org.tribuo:tribuo-util-onnx}).
 */
package dev.tessera.models.onnx;
