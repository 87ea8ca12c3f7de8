import Foundation
import NetSpecDiagnostics
import ONNXProto

/// A model read from ONNX: the spec text and the weights, named and laid out
/// as NetSpec's parameters.
public struct ImportedModel: Sendable {
  /// The spec, `<name>.yaml`.
  public var spec: String
  /// The weights, `weights.safetensors`.
  public var weights: SafetensorsFile
  /// The checked spec (graph and document), as `netspec check` sees it.
  public var checked: CheckedSpec
  /// How many layers the spec lists.
  public var layerCount: Int
}

/// `netspec import`: an ONNX model as a readable NetSpec spec and its weights.
///
/// ```swift
/// let model = try ONNXImporter.importModel(at: "lenet5.onnx", name: "lenet5")
/// try model.spec.write(toFile: "out/lenet5.yaml", atomically: true, encoding: .utf8)
/// try model.weights.write(to: "out/weights.safetensors")
/// ```
public enum ONNXImporter {
  /// Reads, translates and checks the model at `path`.
  public static func importModel(at path: String, name: String) throws(ONNXImportError) -> ImportedModel {
    let (model, opset) = try ONNXModelReading.read(path)
    var translator = ONNXTranslator(path: path, opset: opset)
    try translator.readGraph(ONNXTranslator.liveGraph(model.graph))
    let source = (path as NSString).lastPathComponent
    let producer = [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
    let description = "imported from \(source)" + (producer.isEmpty ? "" : " (\(producer))") + ", opset \(opset)"
    let outputs = try translator.outputs(model.graph)
    translator.fuseGroupNorms(outputs: outputs)
    return try ONNXSpecWriting.model(translator, name: name, description: description, outputs: outputs, path: path)
  }

  /// A spec-valid name made from a file name: `resnet-20.onnx` is `resnet-20`.
  public static func defaultName(for path: String) -> String {
    let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    let name = String(base.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    return name.first.map { $0.isLetter || $0 == "_" } == true ? name : "model_" + name
  }
}

extension ONNXTranslator {
  /// The most dims an input's shape may have.
  static let maxRank = 8

  /// Binds initializers and inputs, then translates every node in order;
  /// unsupported nodes are collected, one diagnostic per kind.
  mutating func readGraph(_ graph: Onnx_GraphProto) throws(ONNXImportError) {
    for node in graph.node {
      for input in node.input where !input.isEmpty {
        uses[input, default: 0] += 1
        readers[input, default: []].append(node.opType)
      }
    }
    for output in graph.output { uses[output.name, default: 0] += 1 }
    for initializer in graph.initializer {
      bindings[initializer.name] = .constant(
        try ONNXTensorDecoding.decode(initializer, what: "initializer `\(initializer.name)`", path: path))
    }
    for input in graph.input where bindings[input.name] == nil { try readInput(input) }
    let preprocessing = readInputPreprocessing(graph)
    let regions = Self.attentionRegions(graph)
    let netspecRegions = Self.netspecRegions(graph)
    let activations = Self.activationRegions(graph)
    for (index, node) in graph.node.enumerated() where !preprocessing.contains(index) {
      if let region = regions[index] {
        // An attention subgraph is translated as a whole at its last node.
        if index == region.last { translateAttention(region.map { graph.node[$0] }) }
        continue
      }
      if let region = netspecRegions[index] {
        // So are NetSpec's own attention and rotary exports.
        if index == region.nodes.last {
          translateNetSpecRegion(region.nodes.map { graph.node[$0] }, layer: region.layer, op: region.op)
        }
        continue
      }
      if let region = activations[index] {
        // So is an activation written as several nodes.
        if index == region.last { translateActivation(region, graph.node) }
        continue
      }
      guard node.domain.isEmpty || node.domain == "ai.onnx" else {
        unsupported.record(
          "op `\(node.opType)` of the domain `\(node.domain)`", node: node.displayName,
          help: "export with the default ONNX domain only")
        continue
      }
      if node.input.contains(where: { !$0.isEmpty && bindings[$0] == nil }) {
        let missing = node.input.first { !$0.isEmpty && bindings[$0] == nil }!
        throw ONNXImportError.invalid(
          path, "node `\(node.displayName)` reads `\(missing)`, which no initializer, input or earlier node defines",
          help: "the model is incomplete or its nodes are not in topological order; check it with onnx.checker")
      }
      // After an unsupported node, later nodes are skipped, unless their op is unknown too.
      if node.input.contains(where: { if case .skipped? = bindings[$0] { true } else { false } }) {
        if !Self.translated.contains(node.opType), !Self.foldable.contains(node.opType) {
          let failure = Self.unknown(node)
          unsupported.record(failure.kind, node: node.displayName, help: failure.help)
        }
        bind(node, node.output.map { _ in .skipped })
        continue
      }
      do {
        if let folded = try fold(node) { bind(node, folded) } else { try translate(node) }
      } catch {
        unsupported.record(error.kind, node: node.displayName, help: error.help)
        bind(node, node.output.map { _ in .skipped })
      }
    }
    if !unsupported.isEmpty { throw ONNXImportError(unsupported.diagnostics(path: path, opset: opset)) }
  }

  /// A graph input as a NetSpec input: the first axis is the batch `N`, a
  /// second symbolic axis of a rank-3 input `T`, other symbols keep their name.
  /// An int32 or int64 input holds token ids: an int32 input of the spec.
  private mutating func readInput(_ input: Onnx_ValueInfoProto) throws(ONNXImportError) {
    let type = input.type.tensorType
    guard [1, 6, 7].contains(type.elemType) else {
      throw .invalid(
        path, "input `\(input.name)` is not float32, int32 or int64 (ONNX type \(type.elemType))",
        help: "NetSpec imports models with float32 inputs and integer token ids")
    }
    let dims = type.shape.dim
    guard !dims.isEmpty, dims.count <= Self.maxRank else {
      throw .invalid(
        path, "input `\(input.name)` has rank \(dims.count)", help: "NetSpec inputs are [N, ...] with up to 8 axes")
    }
    var shape: Shape = []
    for (axis, dim) in dims.enumerated() {
      switch dim.value {
      case .dimValue(let value)? where axis > 0:
        guard value >= 1, value <= Int64(Dim.limit) else {
          throw .invalid(
            path, "input `\(input.name)` has the dimension \(value) on axis \(axis)",
            help: "dimensions are sizes from 1 to 2^53")
        }
        shape.append(Dim(Int(value)))
      default:
        if axis == 0 {
          shape.append(.symbol("N"))
        } else if axis == 1, dims.count == 3 {
          shape.append(.symbol("T"))
        } else {
          guard case .dimParam(let param)? = dim.value else {
            throw .invalid(
              path, "input `\(input.name)` has no size on axis \(axis)", help: "export with a static size there")
          }
          let symbol = String(param.map { $0.isLetter || $0.isNumber ? $0 : "_" })
          shape.append(.symbol(symbol.first?.isLetter == true ? symbol : "S" + symbol))
        }
      }
    }
    var name = String(input.name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
    if name.first.map({ $0.isLetter || $0 == "_" }) != true { name = "input_" + name }
    reserve(name)
    inputs.append((name, shape))
    shapes[name] = shape
    if type.elemType != 1 { dtypes[name] = .int32 }
    bindings[input.name] = .tensor(ImportedTensor(source: name, shape: shape))
  }

  /// The graph outputs as NetSpec values, materialized.
  mutating func outputs(_ graph: Onnx_GraphProto) throws(ONNXImportError) -> [String] {
    var result: [String] = []
    for output in graph.output {
      guard case .tensor(let tensor)? = bindings[output.name] else {
        throw .invalid(
          path, "the output `\(output.name)` is not computed from the inputs",
          help: "export a model whose outputs depend on its inputs")
      }
      do throws(NodeFailure) {
        var node = Onnx_NodeProto()
        node.name = output.name
        node.opType = "Output"
        switch tensor.layout {
        case .batchMajor, .rows: break
        case .finalState, .stateRows, .recurrentState, .timeMajor, .recurrentSequences:
          throw NodeFailure(
            "a model output whose batch axis is not first (recurrent states `[layers·directions, N, H]` or a time-major sequence)",
            help: "NetSpec's outputs are batch first: return h_n.transpose(0, 1) and batch_first sequences")
        }
        result.append(try materialize(tensor, for: node))
      } catch {
        throw ONNXImportError(
          [
            Diagnostic(.onnxUnsupportedOp, at: nil, "\(error.kind) (opset \(opset)): the output `\(output.name)`")
              .inFile(path).help(error.help)
          ])
      }
    }
    return result
  }
}
