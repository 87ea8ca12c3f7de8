import NetSpecDiagnostics
import NetSpecKernels
import Testing

@testable import NetSpec

/// Inference with batchnorms folded into convolutions (``BatchNormFoldRule``)
/// against the unfused plan, on weights and running statistics far from
/// their initial values: a conv + bn + relu stack and a residual block. A
/// training plan folds in its inference passes only (``Interpreter/infer(batch:)``);
/// its other passes, which a backward pass may follow, are those of the unfused plan.
@Suite struct BatchNormFoldExecutionTests {
  static let stack = """
    netspec: 1
    inputs: {x: [N, 3, 7, 6]}
    layers:
      - conv2d: {filters: 4, kernel: 3, padding: 1, bias: false}
      - batchnorm
      - relu
      - conv2d: {filters: 6, kernel: 3, stride: 2, groups: 2}
      - batchnorm: {eps: 0.01}
      - flatten
      - dense: 3
    train: {loss: cross_entropy, optimizer: sgd}
    """

  /// ResNet's basic block with a projection shortcut, as Benchmarks/resnet20.yaml.
  static let residual = """
    netspec: 1
    inputs: {x: [N, 4, 8, 8]}
    layers:
      - conv2d: {filters: 6, kernel: 3, stride: 2, padding: 1, bias: false}
      - batchnorm
      - relu
      - conv2d: {filters: 6, kernel: 3, padding: 1, bias: false}
      - batchnorm: {name: body}
      - conv2d: {filters: 6, kernel: 1, stride: 2, bias: false, from: x, name: downsample}
      - batchnorm: {name: shortcut}
      - add: {from: [body, shortcut]}
      - relu
      - global_avgpool
      - dense: 3
    train: {loss: cross_entropy, optimizer: sgd}
    """

  static let capacity = 5

  static func interpreter(_ yaml: String, training: Bool, fold: Bool) throws -> Interpreter {
    var diagnostics = DiagnosticBag()
    let spec = try #require(Frontend.check(SourceFile(path: "t.yaml", text: yaml), &diagnostics))
    let plan = try Planner.plan(
      spec.graph, capacity: capacity, training: training, excludingFusions: fold ? [] : [BatchNormFoldRule.name])
    #expect(plan.fusions.contains { $0.rule == BatchNormFoldRule.name } == fold)
    return Interpreter(plan: plan, seed: 3)
  }

  /// Every parameter and running statistic drawn at random (variances positive).
  static func randomize(_ interpreter: Interpreter, seed: UInt64) {
    var random = SplitMix64(seed: seed)
    for (id, parameter) in interpreter.plan.graph.parameters.enumerated() {
      let values = interpreter.parameter(id)
      let positive = parameter.name.hasSuffix("running_var")
      for i in values.indices { values[i] = positive ? 0.2 + random.nextFloat() : 2 * random.nextFloat() - 1 }
    }
  }

  /// The prediction of `interpreter` on the same random batch, not training:
  /// an inference pass (``Interpreter/infer(batch:)``) or `forward(training: false)`.
  static func predict(_ interpreter: Interpreter, parameters: Interpreter, inferring: Bool = true) -> [Float] {
    interpreter.parameters.update(from: parameters.parameters, count: interpreter.plan.parameterArenaSize)
    var random = SplitMix64(seed: 11)
    let x = interpreter.buffer(of: interpreter.plan.graph.inputs[0])
    for i in x.indices { x[i] = 2 * random.nextFloat() - 1 }
    if inferring {
      interpreter.infer(batch: capacity)
    } else {
      interpreter.forward(batch: capacity, training: false)
    }
    let graph = interpreter.plan.graph
    let prediction = graph.lossNode?.inputs[0] ?? graph.outputs[0]
    return Array(interpreter.buffer(of: prediction))
  }

  static func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    let scale = max(b.map(abs).max() ?? 0, 1e-6)
    return zip(a, b).map { abs($0 - $1) }.max()! / scale
  }

  /// The fused inference plan, and a training plan's inference pass, equal
  /// the unfused inference plan; a new set of statistics is folded anew on
  /// the next call.
  @Test(arguments: ["stack", "residual"])
  func foldedInferenceEqualsTheUnfusedPlan(_ name: String) throws {
    let yaml = name == "stack" ? Self.stack : Self.residual
    let reference = try Self.interpreter(yaml, training: false, fold: false)
    let inference = try Self.interpreter(yaml, training: false, fold: true)
    let training = try Self.interpreter(yaml, training: true, fold: true)
    for seed: UInt64 in [1, 2] {
      Self.randomize(reference, seed: seed)
      let expected = Self.predict(reference, parameters: reference)
      #expect(Self.relativeError(Self.predict(inference, parameters: reference), expected) < 1e-5)
      #expect(Self.relativeError(Self.predict(training, parameters: reference), expected) < 1e-5)
    }
  }

  /// Training passes of a plan with the fold are those of the plan without
  /// it, to the bit, after an inference pass too.
  @Test func trainingPassesAreUnchanged() throws {
    let runs = try [true, false].map { fold in
      let interpreter = try Self.interpreter(Self.residual, training: true, fold: fold)
      Self.randomize(interpreter, seed: 5)
      var random = SplitMix64(seed: 11)
      let x = interpreter.buffer(of: interpreter.plan.graph.inputs[0])
      for i in x.indices { x[i] = 2 * random.nextFloat() - 1 }
      let labels = interpreter.buffer(of: interpreter.plan.graph.targets[0])
      for i in labels.indices { labels[i] = Float(i % 3) }
      _ = Self.predict(interpreter, parameters: interpreter)
      interpreter.forward(batch: Self.capacity, training: true)
      interpreter.backward(batch: Self.capacity)
      return (
        interpreter.loss,
        Array(UnsafeBufferPointer(start: interpreter.gradients, count: interpreter.plan.trainableCount)),
        Array(UnsafeBufferPointer(start: interpreter.parameters, count: interpreter.plan.parameterArenaSize))
      )
    }
    #expect(runs[0].0 == runs[1].0)
    #expect(runs[0].1 == runs[1].1)
    #expect(runs[0].2 == runs[1].2)
  }

  /// A pass that does not train followed by a backward pass (gradients with
  /// the running statistics, as PyTorch's `eval()` mode: the oracle and the
  /// PyTorch export's check run this) in a training plan with the fold is that
  /// of the plan without it, to the bit: only inference passes fold.
  @Test func evaluationModeGradientsAreUnchanged() throws {
    let runs = try [true, false].map { fold in
      let interpreter = try Self.interpreter(Self.residual, training: true, fold: fold)
      Self.randomize(interpreter, seed: 6)
      let labels = interpreter.buffer(of: interpreter.plan.graph.targets[0])
      for i in labels.indices { labels[i] = Float(i % 3) }
      let outputs = Self.predict(interpreter, parameters: interpreter, inferring: false)
      interpreter.backward(batch: Self.capacity)
      return (outputs, Array(UnsafeBufferPointer(start: interpreter.gradients, count: interpreter.plan.trainableCount)))
    }
    #expect(runs[0].0 == runs[1].0)
    #expect(runs[0].1 == runs[1].1)
    #expect(runs[0].1.contains { $0 != 0 })
  }

  /// A backward pass after an inference pass, whose fused steps leave the
  /// batchnorms' outputs unwritten, stops with a precondition failure.
  @Test func backwardAfterAnInferencePassFails() async {
    await #expect(processExitsWith: .failure) {
      let interpreter = try Self.interpreter(Self.residual, training: true, fold: true)
      interpreter.infer(batch: Self.capacity)
      interpreter.backward(batch: Self.capacity)
    }
  }
}
