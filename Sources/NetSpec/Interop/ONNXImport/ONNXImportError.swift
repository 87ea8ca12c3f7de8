import NetSpecDiagnostics

/// Why `netspec import` could not translate an ONNX model: diagnostics about
/// the file as a whole (``DiagnosticCode/onnxInvalidModel``), or one per kind
/// of unsupported node (``DiagnosticCode/onnxUnsupportedOp``), each naming the
/// file.
public struct ONNXImportError: Error, Sendable {
  /// The diagnostics, at least one, each with the model's path.
  public var diagnostics: [Diagnostic]

  init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

  /// One `NS0750` diagnostic about the model at `path`.
  static func invalid(_ path: String, _ message: String, help: String) -> ONNXImportError {
    ONNXImportError([Diagnostic(.onnxInvalidModel, at: nil, message).inFile(path).help(help)])
  }
}

/// The unsupported nodes met while translating, grouped by kind (op type and,
/// for a supported op, the form it took), in the order first met.
struct UnsupportedNodes {
  private var kinds: [String] = []
  private var nodes: [String: [String]] = [:]
  private var helps: [String: String] = [:]

  var isEmpty: Bool { kinds.isEmpty }

  /// Records `node` under `kind` (a sentence naming the op type).
  mutating func record(_ kind: String, node: String, help: String) {
    if nodes[kind] == nil {
      kinds.append(kind)
      helps[kind] = help
    }
    nodes[kind, default: []].append(node)
  }

  /// How many node names a diagnostic lists before counting the rest.
  static let listedNodes = 3

  /// One diagnostic per kind: the kind, the opset, the first nodes and their count.
  func diagnostics(path: String, opset: Int) -> [Diagnostic] {
    kinds.map { kind in
      let names = nodes[kind]!
      var listed = names.prefix(Self.listedNodes).map { "`\($0)`" }.joined(separator: ", ")
      if names.count > Self.listedNodes { listed += " and \(names.count - Self.listedNodes) more" }
      let count = names.count == 1 ? "1 node" : "\(names.count) nodes"
      return Diagnostic(.onnxUnsupportedOp, at: nil, "\(kind) (opset \(opset)): \(count), \(listed)")
        .inFile(path).help(helps[kind]!)
    }
  }
}
