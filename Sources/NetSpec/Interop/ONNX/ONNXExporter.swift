import Foundation
import NetSpecDiagnostics
import ONNXProto

/// What `netspec export --format onnx` writes besides the graph.
public struct ONNXExportOptions: Sendable {
  /// The `producer_version` of the model (netspec's version).
  public var producerVersion: String
  /// Standardization statistics stored with the exported weights, applied to
  /// the input as nodes (required when the spec's data is standardized).
  public var standardization: Standardization?
  /// Adds the training targets as inputs and the loss as an extra output
  /// (`--training`); the forward pass stays the inference one.
  public var training: Bool

  public init(producerVersion: String, standardization: Standardization? = nil, training: Bool = false) {
    self.producerVersion = producerVersion
    self.standardization = standardization
    self.training = training
  }
}

/// Writes a checked spec as an ONNX model (opset ``opset``): the inference
/// graph, node by node in spec order, each op through its
/// ``ONNXExportable`` mapping, with the weights as initializers under their
/// NetSpec names, the input's preprocessing (`scale`, standardization) as
/// nodes, symbolic dims as named dynamic dims, and the spec's name,
/// description and format version in the metadata (docs/INTEROP.md).
///
/// ```swift
/// var diagnostics = DiagnosticBag()
/// let weights = ParameterInitialization.values(of: spec.graph, seed: 0)
/// let bytes = ONNXExporter.export(spec, weights: weights, options: .init(producerVersion: "0.1.0"), &diagnostics)
/// ```
public enum ONNXExporter {
  /// The ONNX opset every exported model imports (default domain).
  public static let opset = 17
  /// The IR version of opset 17 (ONNX 1.12).
  public static let irVersion = 8

  /// The serialized model, or nil with one located diagnostic per layer that
  /// has no ONNX form (``DiagnosticCode/noONNXForm``), or a diagnostic about
  /// the input's preprocessing.
  public static func export(
    _ spec: CheckedSpec, weights: [[Float]], options: ONNXExportOptions, _ diagnostics: inout DiagnosticBag
  ) -> Data? {
    guard let model = model(spec, weights: weights, options: options, &diagnostics) else { return nil }
    do { return try model.serializedData() } catch {
      preconditionFailure("an ONNX model failed to serialize: \(error)")
    }
  }

  /// The model as a message, or nil after reporting why not.
  static func model(
    _ spec: CheckedSpec, weights: [[Float]], options: ONNXExportOptions, _ diagnostics: inout DiagnosticBag
  ) -> Onnx_ModelProto? {
    let graph = spec.graph
    let builder = ONNXGraphBuilder(graph: graph, weights: weights)
    var names = graph.values.map(\.name)
    var failed = false
    do throws(ONNXPreprocessingError) {
      try ONNXPreprocessing.add(spec, options.standardization, builder, &names)
    } catch {
      diagnostics.append(error.diagnostic)
      failed = true
    }
    let training = options.training && graph.loss != nil
    for node in graph.nodes where training || !(node.op is any ObjectiveOperator) {
      let context = ONNXNodeContext(
        builder: builder, name: node.name, node: node, inputs: node.inputs.map { names[$0] },
        outputs: node.outputs.map { names[$0] }, inputTypes: node.inputs.map { graph.values[$0].type },
        outputTypes: node.outputs.map { graph.values[$0].type })
      do throws(ONNXUnsupported) {
        guard let exportable = node.op as? any ONNXExportable else {
          throw ONNXUnsupported("`\(node.opName)` has no ONNX mapping", help: "leave the layer out to export the model")
        }
        try exportable.exportONNX(context)
      } catch {
        diagnostics.append(diagnostic(error, node))
        failed = true
      }
    }
    guard !failed else { return nil }
    var proto = Onnx_GraphProto()
    proto.name = spec.document.name ?? "netspec"
    proto.node = builder.nodes
    proto.initializer = builder.initializers
    let inputs = graph.inputs + (training ? graph.targets : [])
    let outputs = outputs(of: graph) + (training ? [graph.loss!] : [])
    proto.input = inputs.map { ONNXTensorEncoding.valueInfo(graph.values[$0].name, graph.values[$0].type) }
    proto.output = outputs.map { ONNXTensorEncoding.valueInfo(names[$0], graph.values[$0].type) }
    var model = Onnx_ModelProto()
    model.irVersion = Int64(irVersion)
    var opsetImport = Onnx_OperatorSetIdProto()
    opsetImport.version = Int64(opset)
    model.opsetImport = [opsetImport]
    model.producerName = "netspec"
    model.producerVersion = options.producerVersion
    model.graph = proto
    ONNXMetadata.describe(&model, spec)
    return model
  }

  /// The model's outputs: the prediction its loss scores (what `netspec
  /// predict` writes) first, then the spec's other outputs.
  static func outputs(of graph: Graph) -> [ValueID] {
    var outputs = graph.lossNode.map { [$0.inputs[0]] } ?? []
    for output in graph.outputs where !outputs.contains(output) { outputs.append(output) }
    return outputs
  }

  /// The located diagnostic for a layer without an ONNX form.
  static func diagnostic(_ error: ONNXUnsupported, _ node: Node) -> Diagnostic {
    let span = error.attribute.flatMap { node.attributes.spans[$0] } ?? node.span
    return Diagnostic(
      .noONNXForm, at: span,
      "`\(node.name)` (\(node.opName)) has no ONNX form in opset \(opset): \(error.message)"
    ).help(error.help)
  }
}
