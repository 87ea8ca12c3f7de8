import Foundation
import NetSpecKernels
import Testing

@testable import NetSpec

/// Every op of the registry has an ONNX mapping in its own file, and every op
/// example (and every fusable activation on a dense layer) exports to nodes
/// that write the op's outputs from its inputs, parameters and constants, in
/// order (numerics are checked against onnxruntime in Tests/Interop).
@Suite("ONNX op mappings")
struct ONNXOpMappingTests {
  /// Examples whose attributes have no ONNX form: an even LRN window and a
  /// 3-D LRN input (NS0701).
  static let unsupported: Set<String> = ["lrn 1", "lrn 2"]

  static var examples: [(String, Int)] {
    OpRegistry.all.flatMap { type in
      ((type as? any ExecutableOperator.Type)?.examples ?? []).indices.map { (type.schema.name, $0) }
    }
  }

  @Test func everyOpHasAnONNXMapping() {
    for type in OpRegistry.all {
      #expect(type is any ONNXExportable.Type, "`\(type.schema.name)` has no ONNXExportable extension")
    }
  }

  /// docs/INTEROP.md's table has a row for every op (several ops may share one).
  @Test func interopDocumentationListsEveryOp() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/INTEROP.md")
    let rows = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("| `") }
    let firstColumns = rows.map { $0.split(separator: "|").first ?? "" }
    for type in OpRegistry.all {
      #expect(
        firstColumns.contains { $0.contains("`\(type.schema.name)`") },
        "docs/INTEROP.md has no row for `\(type.schema.name)`")
    }
  }

  @Test(arguments: examples)
  func exampleExports(op name: String, example index: Int) throws {
    let type = try #require(OpRegistry.op(named: name) as? any ExecutableOperator.Type)
    let example = type.examples[index]
    let label = "\(name) \(index)"
    do {
      let builder = try Self.export(type, example.attributes, inputs: example.inputs)
      #expect(!Self.unsupported.contains(label), "\(label) exported, but is listed as unsupported")
      try Self.checkWiring(builder, label)
    } catch let error as ONNXUnsupported {
      #expect(Self.unsupported.contains(label), "\(label): \(error.message)")
    }
  }

  /// A fused activation follows the layer as the nodes of its own op.
  @Test(arguments: ActivationKernel.fusable.map(\.name))
  func fusedActivationFollowsTheLayer(activation: String) throws {
    let builder = try Self.export(
      Dense.self, ["units": .int(3), "activation": .string(activation)], inputs: [.batch(4)])
    try Self.checkWiring(builder, "dense + \(activation)")
    #expect(builder.nodes.first?.opType == "Gemm")
    #expect(builder.nodes.first?.output == ["op/linear"])
    #expect(builder.nodes.dropFirst().first?.name == "op/\(activation)")
  }

  /// Exports one node `op` applying the op to inputs `x0`, `x1`, ...
  static func export(
    _ type: any Operator.Type, _ attributes: [String: SpecValue.Kind], inputs: [TensorType]
  ) throws -> ONNXGraphBuilder {
    let op = type.init(Attributes(type.schema, attributes))
    let inference = try op.infer(inputs)
    var graph = Graph()
    for (i, input) in inputs.enumerated() {
      graph.values.append(Value(name: "x\(i)", type: input, role: .input, span: nil))
      graph.inputs.append(i)
    }
    for (i, output) in inference.outputs.enumerated() {
      graph.values.append(Value(name: "y\(i)", type: output, role: .activation(0), span: nil))
      graph.outputs.append(inputs.count + i)
    }
    func add(_ specs: [ParameterSpec], buffers: Bool) -> [(name: String, id: ParameterID)] {
      specs.map { spec in
        graph.parameters.append(
          Parameter(
            name: "op.\(spec.name)", shape: spec.shape, initializer: spec.initializer, owner: 0, trainable: !buffers,
            isBuffer: buffers))
        return (spec.name, graph.parameters.count - 1)
      }
    }
    let parameters = add(inference.parameters, buffers: false)
    let buffers = add(inference.buffers, buffers: true)
    let node = Node(
      name: "op", op: op, inputs: Array(inputs.indices), outputs: inference.outputs.indices.map { inputs.count + $0 },
      parameters: parameters, buffers: buffers, flops: inference.flops, span: nil,
      attributes: Attributes(type.schema, attributes))
    graph.nodes.append(node)
    let weights = ParameterInitialization.values(of: graph, seed: 1)
    let builder = ONNXGraphBuilder(graph: graph, weights: weights)
    let context = ONNXNodeContext(
      builder: builder, name: "op", node: node, inputs: inputs.indices.map { "x\($0)" },
      outputs: inference.outputs.indices.map { "y\($0)" }, inputTypes: inputs, outputTypes: inference.outputs)
    let exportable = try #require(op as? any ONNXExportable)
    do throws(ONNXUnsupported) { try exportable.exportONNX(context) } catch { throw error }
    return builder
  }

  /// Every node reads only inputs, initializers or earlier nodes' outputs,
  /// no tensor is written twice, and the op's outputs are written.
  static func checkWiring(_ builder: ONNXGraphBuilder, _ label: String) throws {
    #expect(!builder.nodes.isEmpty, "\(label) adds no node")
    var available = Set(builder.graph.inputs.map { builder.graph.values[$0].name })
    available.formUnion(builder.initializers.map(\.name))
    for node in builder.nodes {
      for input in node.input where !input.isEmpty {
        #expect(available.contains(input), "\(label): `\(node.name)` reads `\(input)` before it is written")
      }
      for output in node.output {
        #expect(!available.contains(output), "\(label): `\(output)` is written twice")
        available.insert(output)
      }
    }
    for output in builder.graph.outputs {
      #expect(available.contains(builder.graph.values[output].name), "\(label) does not write its output")
    }
    #expect(Set(builder.nodes.map(\.name)).count == builder.nodes.count, "\(label): node names repeat")
  }
}
