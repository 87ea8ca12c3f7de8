import Foundation
import NetSpecDiagnostics
import ONNXProto
import Testing

@testable import NetSpec

/// Exported models decode back (ONNXProto) with the expected opset, metadata,
/// inputs and outputs with dynamic dims, nodes and initializers.
@Suite("ONNX export")
struct ONNXExportTests {
  static let cnn = """
    netspec: 1
    name: small_cnn
    description: A small CNN for 8x8 digits
    inputs:
      pixels: [N, 1, 8, 8]
    layers:
      - conv2d: {filters: 4, kernel: 3, padding: same, activation: relu, name: conv1}
      - batchnorm: {name: bn1}
      - maxpool2d: {kernel: 2, name: pool1}
      - flatten: {name: flat}
      - dropout: {rate: 0.2, name: drop}
      - dense: {units: 10, name: logits}
    train:
      loss: cross_entropy
      optimizer: {adam: {lr: 1.0e-3}}
      seed: 9
    data:
      train: {csv: data/digits.csv.gz, label: last, scale: 1/16, reshape: [1, 8, 8]}
    """

  static let sequence = """
    netspec: 1
    name: tokens
    inputs:
      ids: {shape: [N, T], dtype: int32}
    layers:
      - embedding: {vocab: 12, dim: 8, name: embed}
      - positional_encoding: {name: positions}
      - attention: {heads: 2, causal: true, name: attn}
      - dense: {units: 12, name: logits}
    """

  /// The spec, as if it were in Examples/ (beside the data it names).
  static func checked(_ yaml: String) throws -> CheckedSpec {
    let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Examples")
    var diagnostics = DiagnosticBag()
    let file = SourceFile(path: examples.appendingPathComponent("t.yaml").path, text: yaml)
    return try #require(Frontend.check(file, &diagnostics), "\(diagnostics.diagnostics.map(\.message))")
  }

  static func export(
    _ spec: CheckedSpec, weights: ExportedWeights? = nil, training: Bool = false
  ) throws -> Onnx_ModelProto {
    var diagnostics = DiagnosticBag()
    let exported = weights ?? ExportedWeights.initial(spec)
    let options = ONNXExportOptions(
      producerVersion: "9.9.9", standardization: exported.standardization, training: training)
    let data = try #require(ONNXExporter.export(spec, weights: exported.values, options: options, &diagnostics))
    #expect(diagnostics.diagnostics.isEmpty)
    return try Onnx_ModelProto(serializedBytes: data)
  }

  /// `N` -> "N", 8 -> 8.
  static func dims(_ info: Onnx_ValueInfoProto) -> [String] {
    info.type.tensorType.shape.dim.map { $0.dimParam.isEmpty ? String($0.dimValue) : $0.dimParam }
  }

  @Test func modelHeaderAndMetadata() throws {
    let model = try Self.export(Self.checked(Self.cnn))
    #expect(model.irVersion == 8)
    #expect(model.opsetImport.map(\.version) == [17])
    #expect(model.opsetImport.map(\.domain) == [""])
    #expect(model.producerName == "netspec")
    #expect(model.producerVersion == "9.9.9")
    #expect(model.docString == "A small CNN for 8x8 digits")
    let metadata = Dictionary(uniqueKeysWithValues: model.metadataProps.map { ($0.key, $0.value) })
    #expect(
      metadata == [
        "netspec.name": "small_cnn", "netspec.description": "A small CNN for 8x8 digits",
        "netspec.format_version": "1",
      ])
    #expect(model.graph.name == "small_cnn")
  }

  /// The scale is the first node; the layers follow in spec order under their
  /// names, the fused activation as `conv1/relu`, dropout as Identity, and the
  /// loss left out of the inference graph.
  @Test func nodesInitializersAndDims() throws {
    let model = try Self.export(Self.checked(Self.cnn))
    let graph = model.graph
    #expect(
      graph.node.map(\.name) == ["pixels.scale", "conv1", "conv1/relu", "bn1", "pool1", "flat", "drop", "logits"])
    #expect(
      graph.node.map(\.opType) == [
        "Mul", "Conv", "Relu", "BatchNormalization", "MaxPool", "Flatten", "Identity", "Gemm",
      ])
    #expect(graph.node[1].input == ["pixels/scaled", "conv1.weight", "conv1.bias"])
    let pads = try #require(graph.node[1].attribute.first { $0.name == "pads" })
    #expect(pads.ints == [1, 1, 1, 1])
    #expect(
      Set(graph.initializer.map(\.name)) == [
        "pixels/scale", "conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean",
        "bn1.running_var", "logits.weight", "logits.bias",
      ])
    let weight = try #require(graph.initializer.first { $0.name == "conv1.weight" })
    #expect(weight.dims == [4, 1, 3, 3])
    #expect(weight.rawData.count == 36 * 4)
    #expect(graph.input.map(\.name) == ["pixels"])
    #expect(Self.dims(graph.input[0]) == ["N", "1", "8", "8"])
    #expect(graph.output.map(\.name) == ["logits"])
    #expect(Self.dims(graph.output[0]) == ["N", "10"])
  }

  /// The initializers hold the weights `netspec train` starts from with the spec's seed.
  @Test func initialWeightsAreTheInterpretersInitialization() throws {
    let spec = try Self.checked(Self.cnn)
    let model = try Self.export(spec)
    let plan = try Planner.plan(spec.graph, capacity: 1, training: false)
    let interpreter = Interpreter(plan: plan, seed: 9)
    for (id, parameter) in spec.graph.parameters.enumerated() {
      let initializer = try #require(model.graph.initializer.first { $0.name == parameter.name })
      let values = initializer.rawData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
      #expect(values == Array(interpreter.parameter(id)), "\(parameter.name)")
    }
  }

  /// `N` and `T` stay named dynamic dims; the causal mask of a dynamic T is
  /// built at run time, the sinusoidal table sliced to T.
  @Test func symbolicDimsAreDynamic() throws {
    let model = try Self.export(Self.checked(Self.sequence))
    let graph = model.graph
    #expect(graph.input[0].type.tensorType.elemType == 6)  // int32
    #expect(Self.dims(graph.input[0]) == ["N", "T"])
    #expect(Self.dims(graph.output[0]) == ["N", "T", "12"])
    let types = graph.node.map(\.opType)
    #expect(types.contains("Trilu"))
    #expect(types.contains("Slice"))
    #expect(graph.node.first?.opType == "Gather")
    #expect(graph.node.first?.name == "embed")
  }

  /// `--training`: the target is an input and the loss an output, after the prediction.
  @Test func trainingAddsTargetsAndLoss() throws {
    let spec = try Self.checked(Self.cnn)
    let model = try Self.export(spec, training: true)
    let target = spec.graph.values[spec.graph.targets[0]].name
    #expect(model.graph.input.map(\.name) == ["pixels", target])
    #expect(model.graph.output.count == 2)
    #expect(model.graph.output[0].name == "logits")
    #expect(Self.dims(model.graph.output[1]) == [])
    #expect(model.graph.node.map(\.opType).contains("LogSoftmax"))
  }

  /// Standardization statistics given with the weights become Sub and Div nodes.
  @Test func standardizationBecomesNodes() throws {
    let spec = try Self.checked(
      Self.cnn.replacingOccurrences(of: "scale: 1/16,", with: "standardize: true,"))
    var weights = ExportedWeights.initial(spec)
    weights.standardization = Standardization(
      mean: [Float](repeating: 0.5, count: 64), standardDeviation: [Float](repeating: 2, count: 64))
    let graph = try Self.export(spec, weights: weights).graph
    #expect(graph.node.prefix(2).map(\.opType) == ["Sub", "Div"])
    #expect(graph.node[2].input[0] == "pixels/standardized")
    let mean = try #require(graph.initializer.first { $0.name == "pixels/mean" })
    #expect(mean.dims == [1, 8, 8])
  }

  /// Without statistics a standardizing spec cannot be exported: a located error.
  @Test func standardizationWithoutStatisticsIsAnError() throws {
    let spec = try Self.checked(
      Self.cnn.replacingOccurrences(of: "scale: 1/16,", with: "standardize: true,"))
    var diagnostics = DiagnosticBag()
    let options = ONNXExportOptions(producerVersion: "0")
    let data = ONNXExporter.export(
      spec, weights: ExportedWeights.initial(spec).values, options: options, &diagnostics)
    #expect(data == nil)
    #expect(diagnostics.diagnostics.map(\.code) == [.badData])
    #expect(diagnostics.diagnostics.first?.span?.start.line == 18)
  }

  /// An even LRN size has no ONNX form: NS0701 at the attribute, no model.
  @Test func unsupportedAttributeIsALocatedDiagnostic() throws {
    let spec = try Self.checked(
      """
      netspec: 1
      inputs: {x: [N, 6, 4, 4]}
      layers:
        - lrn: {size: 4, name: norm}
        - lrn: {size: 3}
        - lrn: {size: 2, name: other}
      """)
    var diagnostics = DiagnosticBag()
    let data = ONNXExporter.export(
      spec, weights: ExportedWeights.initial(spec).values, options: ONNXExportOptions(producerVersion: "0"),
      &diagnostics)
    #expect(data == nil)
    #expect(diagnostics.diagnostics.map(\.code) == [.noONNXForm, .noONNXForm])
    #expect(diagnostics.diagnostics.map { $0.span?.start.line } == [4, 6])
    #expect(diagnostics.diagnostics.first?.message.contains("`norm` (lrn)") == true)
  }
}
