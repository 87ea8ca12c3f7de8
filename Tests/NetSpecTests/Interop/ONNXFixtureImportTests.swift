import Foundation
import NetSpec
import NetSpecDiagnostics
import Testing

/// The models torch.onnx.export wrote (Tests/Interop/make_onnx_fixtures.py,
/// committed in Tests/Interop/Fixtures): imported, they check, predict torch's
/// outputs on the stored inputs and compile.
@Suite struct ONNXFixtureImportTests {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Interop/Fixtures")

  static func path(_ name: String) -> String { fixtures.appendingPathComponent("\(name).onnx").path }

  /// The imported model's outputs on the stored inputs, against torch's.
  @Test(arguments: ["lenet5", "resnet20", "transformer", "lstm"])
  func predictsTorchOutputs(_ name: String) throws {
    let model = try ONNXImporter.importModel(at: Self.path(name), name: name)
    let reference = try SafetensorsFile(
      contentsOf: Self.fixtures.appendingPathComponent("\(name).reference.safetensors").path)
    let (input, expected) = (reference["input"]!, reference["output"]!)
    let outputs = try Self.run(model, input: input)
    #expect(outputs.count == expected.values.count)
    let scale = expected.values.map(abs).max()!
    for (i, (got, want)) in zip(outputs, expected.values).enumerated() {
      #expect(abs(got - want) <= 1e-4 * max(abs(want), scale), "\(name) output \(i): \(got), torch \(want)")
    }
  }

  /// Plans the imported graph for the input's batch, loads the weights and runs forward.
  static func run(_ model: ImportedModel, input: NamedTensor) throws -> [Float] {
    let graph = model.checked.graph
    var bindings: [String: Int] = [:]
    let declared = graph.values[graph.inputs[0]].type.shape
    for (dim, size) in zip(declared.dropFirst(), input.shape.dropFirst()) {
      if let symbol = dim.symbols.first { bindings[symbol] = size }
    }
    let plan = try Planner.plan(graph, capacity: input.shape[0], bindings: bindings, training: false)
    let interpreter = Interpreter(plan: plan, seed: 0)
    try Checkpoint.load(model.weights, into: interpreter)
    let inputBuffer = interpreter.buffer(of: graph.inputs[0])
    for (i, v) in input.values.enumerated() { inputBuffer[i] = v }
    for target in graph.targets where plan.valueBuffers[target] != nil {
      interpreter.buffer(of: target).update(repeating: 0)
    }
    interpreter.forward(batch: input.shape[0], training: false)
    let output = graph.lossNode!.inputs[0]
    let perSample = plan.buffers[plan.valueBuffers[output]!].perSample
    return Array(interpreter.buffer(of: output).prefix(input.shape[0] * perSample))
  }

  /// The spec reads back as written: layers named after the ONNX nodes, the
  /// input's symbolic batch, `expect:` pinning the parameters and output.
  @Test func lenetSpecIsReadable() throws {
    let model = try ONNXImporter.importModel(at: Self.path("lenet5"), name: "lenet5")
    let expected = """
      inputs:
        input: [N, 1, 28, 28]
      layers:
        - conv2d: {filters: 6, kernel: 5, padding: 2, activation: tanh, name: conv1}
        - avgpool2d: {kernel: 2, name: pool1}
        - conv2d: {filters: 16, kernel: 5, activation: tanh, name: conv2}
        - avgpool2d: {kernel: 2, name: pool2}
        - flatten: {name: Flatten}
        - dense: {units: 120, activation: tanh, name: fc1}
        - dense: {units: 84, activation: tanh, name: fc2}
        - dense: {units: 10, name: fc3}
      train:  # ONNX models hold no training settings: choose the loss and optimizer
        loss: cross_entropy
        optimizer: adam
      expect:
        params: 61706
        outputs:
          fc3: [N, 10]

      """
    #expect(model.spec.hasSuffix(expected), "\(model.spec)")
    #expect(model.weights["conv1.weight"]?.shape == [6, 1, 5, 5])
  }

  /// A residual network: `from:` only where the graph branches; batch norms
  /// folded by the exporter leave convolutions with biases.
  @Test func resnetBranchesOnlyAtShortcuts() throws {
    let model = try ONNXImporter.importModel(at: Self.path("resnet20"), name: "resnet20")
    let lines = model.spec.split(separator: "\n")
    #expect(lines.filter { $0.contains("from:") }.count == 11)  // 9 adds, 2 projection shortcuts
    #expect(lines.contains("  - add: {name: layers_0, from: [layers_0_conv2, conv]}"))
    #expect(model.checked.graph.trainableParameterCount == 271_690)
  }

  /// The LSTM classifier: torch's two stacked LSTM nodes are one `layers: 2`
  /// layer with PyTorch's parameter names, the last step (`y[:, -1]`) is
  /// `returns: last`, the time axis stays symbolic.
  @Test func lstmStacksAndTakesTheLastStep() throws {
    let model = try ONNXImporter.importModel(at: Self.path("lstm"), name: "lstm")
    #expect(model.spec.contains("  input: [N, T, 8]"))
    #expect(model.spec.contains("  - lstm: {hidden: 16, layers: 2, returns: last, name: lstm}"))
    #expect(model.weights["lstm.weight_hh_l1"]?.shape == [64, 16])
  }

  /// torch's attention subgraph is one `attention` layer per encoder layer,
  /// between the residual adds and layer norms.
  @Test func transformerAttentionIsOneLayer() throws {
    let model = try ONNXImporter.importModel(at: Self.path("transformer"), name: "transformer")
    let lines = model.spec.split(separator: "\n")
    #expect(lines.contains("  - attention: {heads: 2, name: encoder_layers_0_self_attn}"))
    #expect(lines.filter { $0.contains("- attention:") }.count == 2)
    #expect(model.checked.graph.trainableParameterCount == 4516)
  }

  /// Every imported fixture compiles to Swift (building it is covered by the emitted-code tests).
  @Test(arguments: ["lenet5", "resnet20", "transformer", "lstm"])
  func compiles(_ name: String) throws {
    let model = try ONNXImporter.importModel(at: Self.path(name), name: name)
    let bindings = model.spec.contains("[N, T,") ? ["T": 5] : [:]
    let files = try SwiftEmitter.emit(model.checked, capacity: 4, bindings: bindings, sourceName: "\(name).yaml")
    #expect(files.contains { $0.path.hasSuffix(".swift") && $0.contents.contains("func forward") })
  }
}
