import Foundation
import NetSpec
import NetSpecDiagnostics
import ONNXProto
import Testing

/// What `netspec import` says about models it cannot read or translate: one
/// diagnostic per kind of unsupported node, located errors for damaged files.
@Suite struct ONNXImportDiagnosticsTests {
  typealias M = ONNXTestModels

  /// The diagnostics of importing `model`, rendered as text with the path replaced.
  static func render(_ model: Onnx_ModelProto) throws -> String {
    try render(path: M.write(model, name: "model.onnx"))
  }

  static func render(path: String) -> String {
    do {
      _ = try ONNXImporter.importModel(at: path, name: "model")
      return "imported"
    } catch {
      return HumanRenderer().render(error.diagnostics).replacingOccurrences(of: path, with: "model.onnx")
    }
  }

  /// Two kinds of unsupported nodes: one diagnostic each, naming the op, the
  /// opset and the nodes (the first three and a count).
  @Test func unsupportedOpsAreReportedOncePerKind() throws {
    let nodes = [
      M.node("Erf", "/a/Erf", ["x"], ["a"]), M.node("Erf", "/b/Erf", ["a"], ["b"]),
      M.node("Erf", "/c/Erf", ["b"], ["c"]), M.node("Erf", "/d/Erf", ["c"], ["d"]),
      M.node("Cos", "/e/Cos", ["x"], ["e"]), M.node("Add", "/f/Add", ["d", "e"], ["y"]),
    ]
    #expect(
      try Self.render(M.model(nodes)) == """
        model.onnx: error[NS0751]: unsupported ONNX op `Erf` (opset 17): 4 nodes, `/a/Erf`, `/b/Erf`, `/c/Erf` and 1 more
          = help: \(Self.supportedHelp)

        model.onnx: error[NS0751]: unsupported ONNX op `Cos` (opset 17): 1 node, `/e/Cos`
          = help: \(Self.supportedHelp)

        """)
  }

  static let supportedHelp =
    "netspec import reads the ops of docs/INTEROP.md's import table (convolutions, pooling, normalizations, arithmetic, reductions, shape ops, recurrent layers, activations) and constant shape computations"

  /// A supported op in a form NetSpec has no equivalent for names the form.
  @Test func unsupportedFormOfASupportedOp() throws {
    var conv = M.node("Conv", "/conv/Conv", ["x", "w"], ["y"])
    var pads = Onnx_AttributeProto()
    pads.name = "pads"
    pads.type = .ints
    pads.ints = [0, 0, 1, 1]
    conv.attribute = [pads]
    let model = M.model(
      [conv], initializers: [M.tensor("w", [2, 1, 3, 3], Array(repeating: 0.1, count: 18))], input: [nil, 1, 8, 8])
    let text = try Self.render(model)
    #expect(
      text.hasPrefix("model.onnx: error[NS0751]: `Conv` with asymmetric padding (opset 17): 1 node, `/conv/Conv`"))
  }

  @Test func malformedProtobufIsInvalid() throws {
    let path = try M.write(Array("not a model".utf8) + [0xFF, 0xFF, 0xFF], name: "model.onnx")
    #expect(Self.render(path: path).hasPrefix("model.onnx: error[NS0750]: the file is not an ONNX model"))
  }

  @Test func missingFileIsUnreadable() {
    #expect(Self.render(path: "/nonexistent/model.onnx").hasPrefix("model.onnx: error[NS0001]: no such file"))
  }

  @Test func externalDataIsRefused() throws {
    var weight = M.tensor("w", [4, 2], [])
    weight.dataLocation = .external
    let model = M.model([M.node("Gemm", "/fc/Gemm", ["x", "w"], ["y"])], initializers: [weight])
    #expect(try Self.render(model).contains("error[NS0750]: initializer `w` keeps its data in an external file"))
  }

  @Test func missingInitializerIsInvalid() throws {
    let model = M.model([M.node("Gemm", "/fc/Gemm", ["x", "w"], ["y"])])
    #expect(
      try Self.render(model).contains(
        "error[NS0750]: node `/fc/Gemm` reads `w`, which no initializer, input or earlier node defines"))
  }

  @Test func hugeDimensionsAreRefused() throws {
    var weight = Onnx_TensorProto()
    weight.name = "w"
    weight.dims = [1 << 20, 1 << 20]
    weight.dataType = 1
    let model = M.model([M.node("Gemm", "/fc/Gemm", ["x", "w"], ["y"])], initializers: [weight])
    #expect(try Self.render(model).contains("error[NS0750]: initializer `w` has shape [1048576, 1048576], more than"))
  }

  @Test func dataShorterThanTheShapeIsInvalid() throws {
    let model = M.model(
      [M.node("Gemm", "/fc/Gemm", ["x", "w"], ["y"])], initializers: [M.tensor("w", [3, 4], [1, 2, 3])])
    #expect(try Self.render(model).contains("error[NS0750]: initializer `w` has shape [3, 4] but holds 3 elements"))
  }
}
