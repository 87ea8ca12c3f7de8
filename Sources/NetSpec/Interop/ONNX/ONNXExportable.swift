/// An op's ONNX form: the nodes it becomes in an exported model
/// (``ONNXExporter``). Every op of ``OpRegistry`` conforms, in an extension at
/// the end of its own file, so its ONNX mapping sits beside its math.
///
/// The op reads its input and output names, shapes and parameters from
/// `onnx` and adds nodes writing exactly its outputs; a combination of
/// attributes that has no faithful form in the exported opset throws
/// ``ONNXUnsupported``, which becomes a located diagnostic.
protocol ONNXExportable {
  /// Adds the nodes computing this op's outputs from its inputs.
  func exportONNX(_ onnx: ONNXNodeContext) throws(ONNXUnsupported)
}

/// Why an op cannot be exported: no ONNX form in the exported opset for its
/// attributes or shapes.
struct ONNXUnsupported: Error, Sendable {
  /// What has no ONNX form, e.g. "an even `size` (4)".
  var message: String
  /// The attribute at fault, whose span the diagnostic points at (else the layer).
  var attribute: String?
  /// How to change the spec so that it exports.
  var help: String

  init(_ message: String, attribute: String? = nil, help: String) {
    self.message = message
    self.attribute = attribute
    self.help = help
  }
}
