import Foundation
import NetSpecDiagnostics
import ONNXProto

/// Reads an ONNX file into its `ModelProto`, bounded: the file must be a
/// regular file of at most ``maxFileBytes`` (checked before anything is read),
/// and swift-protobuf's decoder bounds the message nesting.
enum ONNXModelReading {
  /// The largest model file read: 1 GiB (the protobuf format itself stops at 2 GiB).
  static let maxFileBytes = 1 << 30

  /// The decoded model and the version of its default-domain opset.
  static func read(_ path: String) throws(ONNXImportError) -> (model: Onnx_ModelProto, opset: Int) {
    var status = stat()
    if stat(path, &status) == 0, Int(status.st_size) > maxFileBytes {
      throw .invalid(
        path, "the file is \(status.st_size) bytes; the limit is \(maxFileBytes) bytes",
        help: "import a model under 1 GiB (weights in external data files are not read either)")
    }
    let limit = max(0, min(Int(status.st_size), maxFileBytes))
    let bytes: [UInt8]
    switch SpecFileReading.read(path, limit: limit) {
    case .bytes(let read): bytes = read
    case .tooLarge:
      throw .invalid(path, "the file grew while it was read", help: "import a file that is not being written")
    case .unreadable(let reason, let help):
      throw ONNXImportError(
        [
          Diagnostic(.unreadableFile, at: nil, reason.replacingOccurrences(of: "spec file", with: "model")).inFile(path)
            .help(help)
        ])
    }
    let model: Onnx_ModelProto
    do {
      model = try Onnx_ModelProto(serializedBytes: bytes)
    } catch {
      throw .invalid(
        path, "the file is not an ONNX model: the protobuf does not decode (\(error))",
        help: "pass a .onnx file written by an exporter (torch.onnx.export, tf2onnx, onnx.save)")
    }
    guard model.hasGraph, !model.graph.node.isEmpty else {
      throw .invalid(path, "the model has no graph nodes", help: "pass a .onnx file written by an exporter")
    }
    let opsets = model.opsetImport.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }
    guard let opset = opsets.first.map({ Int($0.version) }) else {
      throw .invalid(
        path, "the model imports no version of the default ONNX opset", help: "export the model with opset 13 or later")
    }
    return (model, opset)
  }
}
