import Foundation
import NetSpecDiagnostics
import NetSpecKernels
import Testing

@testable import NetSpec

/// Emitted Swift agrees with the interpreter: forward outputs, the loss,
/// every parameter gradient, the parameters after ten training steps, and
/// the outputs of an inference pass then.
///
/// Both backends call the same kernels in the same order, so they agree far
/// more closely than the tolerance; the tolerance (relative 1e-4 of the
/// largest magnitude, 1e-3 after ten steps) allows the emitted code's
/// constant-folded index arithmetic to change float rounding only.
@Suite(.serialized, .tags(.slow)) struct EmittedModelTests {
  /// A spec of `specs/`, shrunk by `--set` overrides (``SeedSpecs``).
  static func seedSpec(_ name: String, set overrides: [String] = [], capacity: Int = 8, batch: Int = 6)
    -> EmittedModelHarness.Case
  {
    let path = SeedSpecs.path("\(name).yaml")
    let yaml = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return .init(name: name, yaml: yaml, path: path, overrides: overrides, capacity: capacity, batch: batch)
  }

  static func inline(_ name: String, _ body: String) -> EmittedModelHarness.Case {
    .init(name: name, yaml: "netspec: 1\n" + body, path: "/tmp/\(name).yaml", capacity: 4, batch: 3)
  }

  /// The seed specs (the large ones shrunk), and small models covering every
  /// op's emitter and its options; the recurrent and attention cases live in
  /// their own files.
  static let cases: [EmittedModelHarness.Case] =
    [
      seedSpec("lenet5"),
      seedSpec("mlp_digits"),
      seedSpec("alexnet", set: ["size=64", "base=4", "hidden=16", "classes=5", "dropout=0.5"], capacity: 2, batch: 2),
      seedSpec("vgg16", set: ["size=32", "base=2", "hidden=16", "classes=5", "dropout=0.5"], capacity: 2, batch: 2),
      seedSpec("resnet18", set: ["size=16", "base=4", "classes=5"], capacity: 3, batch: 3),
      seedSpec("resnet50", set: ["size=16", "base=2", "classes=5"], capacity: 2, batch: 2),
      inline(
        "conv_shapes",
        """
        inputs: {x: [N, 4, 9, 8]}
        layers:
          - conv2d: {filters: 6, kernel: [3, 2], stride: [2, 1], padding: 1, groups: 2, activation: gelu}
          - maxpool2d: {kernel: 3, stride: 2, padding: 1}
          - conv2d: {filters: 4, kernel: 3, padding: same, bias: false, activation: sigmoid}
          - avgpool2d: {kernel: 2, count_include_pad: false, padding: 1}
          - flatten
          - dense: {units: 5, activation: relu}
          - leaky_relu: 0.1
          - dense: 3
        train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.05, momentum: 0.9, nesterov: true}}, weight_decay: 0.01}
        """),
      inline(
        "regression",
        """
        inputs: {x: [N, 7]}
        layers:
          - dense: {units: 9, activation: tanh}
          - dropout: 0.3
          - dense: {units: 6}
          - sigmoid
          - dense: 2
        train: {loss: mse, optimizer: {adamw: {lr: 0.01, weight_decay: 0.05}}, clip_grad_norm: 0.5}
        """),
      inline(
        "binary",
        """
        inputs: {x: [N, 5]}
        layers:
          - dense: {units: 8, activation: gelu}
          - relu
          - tanh
          - dense: 1
        train: {loss: binary_cross_entropy, optimizer: {sgd: {lr: 0.1}}}
        """),
      inline(
        "residual",
        """
        inputs: {x: [N, 3, 6, 6]}
        layers:
          - conv2d: {filters: 4, kernel: 3, padding: 1, bias: false, name: stem}
          - batchnorm: {momentum: 0.2}
          - relu: {name: a}
          - conv2d: {filters: 4, kernel: 3, padding: 1, bias: false}
          - batchnorm: {name: body}
          - add: {from: [body, a]}
          - relu
          - global_avgpool
          - dense: 3
        train: {loss: cross_entropy, optimizer: {adam: {lr: 0.01}}}
        """),
      inline(
        "direct_convolution",
        """
        inputs: {x: [N, 2, 7, 6]}
        layers:
          - conv2d: {filters: 3, kernel: 3, padding: 1, activation: relu, name: a}
          - conv2d: {filters: 4, kernel: [2, 3], stride: [2, 1], padding: 1, activation: sigmoid, name: b}
          - conv2d: {filters: 2, kernel: [1, 2], padding: [0, 1], bias: false, trainable: false, name: c}
          - flatten: {name: fc}
          - flatten: {from: a, name: fa}
          - dense: {units: 3, from: fa, name: da}
          - dense: {units: 3, from: fc, name: dc}
          - add: {from: [da, dc]}
        train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.1, momentum: 0.5}}}
        """),
      inline(
        "relu_chain",
        """
        inputs: {x: [N, 9]}
        layers:
          - dense: {units: 8, activation: relu, name: a}
          - dense: {units: 6, activation: relu, name: b}
          - dense: {units: 4}
        train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.05, momentum: 0.9}}}
        """),
      inline("pooling_fusion", String(PoolingFusionTests.chain.dropFirst("netspec: 1\n".count))),
      inline("activations", activationsSpec),
      inline("hostile", CodegenSafetyTests.hostileSpec),
    ] + EmittedRecurrentCases.cases + EmittedAttentionCases.cases + EmittedInitializerCases.cases
    + EmittedResampleCases.cases + EmittedConvolutionCases.cases + EmittedTensorCases.cases
    + EmittedMultiOutputCases.cases + EmittedObjectiveCases.cases + EmittedMobileNetCases.cases
    + EmittedConvNeXtCases.cases
    + EmittedTransformerExampleCases.cases
    + EmittedSeq2SeqCases.cases
    + EmittedWaveNetCases.cases
    + EmittedVAECases.cases
    + EmittedBatchNormFoldCases.cases

  /// Every fusable activation fused into a convolution and a dense layer, then
  /// every activation op that needs no attribute on its own: a new activation
  /// is covered here without a new case.
  static var activationsSpec: String {
    let fused = ActivationKernel.fusable.map(\.name)
    let ops = OpRegistry.all.filter { op in
      op.schema.category == .activation
        && !op.schema.attributes.contains { if case .required = $0.defaultValue { true } else { false } }
    }
    let layers =
      fused.map { "  - conv2d: {filters: 2, kernel: 3, padding: 1, activation: \($0)}" } + ["  - flatten"]
      + fused.map { "  - dense: {units: 4, activation: \($0)}" } + ops.map { "  - \($0.schema.name)" }
      + ["  - dense: 3"]
    return """
      inputs: {x: [N, 2, 5, 5]}
      layers:
      \(layers.joined(separator: "\n"))
      train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.05}}}
      """
  }

  /// The interpreter's results for the same script as the harness.
  static func interpret(_ c: EmittedModelHarness.Case) throws -> EmittedModelHarness.Results {
    let spec = try EmittedModelHarness.check(c)
    let train = spec.document.train!
    let plan = try Planner.plan(spec.graph, capacity: c.capacity, bindings: c.bindings, training: true)
    let interpreter = Interpreter(plan: plan, seed: EmittedModelHarness.seed)
    let optimizer = Optimizer(train.optimizer.algorithm, weightDecay: train.weightDecay, count: plan.trainableCount)
    let (inputs, targets) = EmittedModelHarness.batch(spec, c)
    let graph = spec.graph
    let prediction = graph.lossNode!.inputs[0]
    let layout = EmittedModelHarness.inputLayout(spec, plan)
    let sampleCount = layout.reduce(0) { $0 + $1.count }
    func feed() {
      var start = 0
      for input in layout {
        let x = interpreter.buffer(of: input.value)
        for sample in 0..<c.batch {
          for j in 0..<input.count { x[sample * input.count + j] = inputs[sample * sampleCount + start + j] }
        }
        start += input.count
      }
      guard let target = graph.targets.first else { return }
      let t = interpreter.buffer(of: target)
      for i in targets.indices { t[i] = targets[i] }
    }
    feed()
    if let target = graph.targets.first { interpreter.buffer(of: target).update(repeating: 0) }
    interpreter.forward(batch: c.batch, training: false)
    let perSample = plan.buffers[plan.valueBuffers[prediction]!].perSample
    let outputs = Array(interpreter.buffer(of: prediction).prefix(c.batch * perSample))
    feed()
    interpreter.forward(batch: c.batch, training: true)
    let loss = interpreter.loss
    interpreter.backward(batch: c.batch)
    let gradients = Array(UnsafeBufferPointer(start: interpreter.gradients, count: plan.trainableCount))
    for _ in 0..<EmittedModelHarness.steps {
      feed()
      interpreter.forward(batch: c.batch, training: true)
      interpreter.backward(batch: c.batch)
      if let clip = train.clipGradNorm {
        Optimizer.clip(interpreter.gradients, count: plan.trainableCount, maxNorm: Float(clip))
      }
      optimizer.step(
        parameters: interpreter.parameters, gradients: interpreter.gradients,
        lr: Float(train.optimizer.learningRate))
    }
    let parameters = Array(UnsafeBufferPointer(start: interpreter.parameters, count: plan.trainableCount))
    feed()
    if let target = graph.targets.first { interpreter.buffer(of: target).update(repeating: 0) }
    interpreter.forward(batch: c.batch, training: false)
    let unfolded = Array(interpreter.buffer(of: prediction).prefix(c.batch * perSample))
    interpreter.infer(batch: c.batch)
    let trainedOutputs = Array(interpreter.buffer(of: prediction).prefix(c.batch * perSample))
    // An inference pass (with a training plan's folds) computes what forward(training: false) does.
    #expect(
      relativeError(trainedOutputs, unfolded) < 1e-4, "\(c.name): inference pass against forward(training: false)")
    return .init(
      outputs: outputs, loss: loss, gradients: gradients, parameters: parameters, trainedOutputs: trainedOutputs)
  }

  /// The largest difference relative to the largest magnitude.
  static func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count, !a.isEmpty else { return a.count == b.count ? 0 : .infinity }
    let scale = max(a.map(abs).max()!, 1e-6)
    return zip(a, b).map { abs($0 - $1) }.max()! / scale
  }

  @Test(arguments: cases.map(\.name))
  func emittedCodeAgreesWithTheInterpreter(_ name: String) throws {
    guard EmittedModelHarness.selectedCases.contains(where: { $0.name == name }) else { return }
    let emitted = try EmittedModelHarness.results.get()
    let c = Self.cases.first { $0.name == name }!
    let got = try #require(emitted[name])
    let expected = try Self.interpret(c)
    #expect(got.outputs.count == expected.outputs.count)
    #expect(Self.relativeError(got.outputs, expected.outputs) < 1e-4, "forward outputs")
    #expect(abs(got.loss - expected.loss) <= 1e-4 * max(1, abs(expected.loss)), "loss \(got.loss) vs \(expected.loss)")
    #expect(Self.relativeError(got.gradients, expected.gradients) < 1e-4, "gradients")
    #expect(Self.relativeError(got.parameters, expected.parameters) < 1e-3, "parameters after ten steps")
    #expect(Self.relativeError(got.trainedOutputs, expected.trainedOutputs) < 1e-3, "inference after ten steps")
    #expect(got.gradients.contains { $0 != 0 }, "the gradients must not all be zero")
  }
}
