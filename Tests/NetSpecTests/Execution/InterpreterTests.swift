import NetSpecDiagnostics
import NetSpecKernels
import Testing

@testable import NetSpec

/// End-to-end checks of planner + interpreter on whole small models.
@Suite struct InterpreterTests {
  static let mlp = """
    netspec: 1
    inputs: {x: [N, 6]}
    layers:
      - dense: {units: 8, activation: relu, name: hidden}
      - dense: {units: 8, activation: tanh, name: side, from: x}
      - add: {from: [hidden, side]}
      - dense: {units: 3, name: logits}
    train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.1}}}
    """

  func makeInterpreter(_ yaml: String, capacity: Int = 4, seed: UInt64 = 1) throws -> Interpreter {
    let spec = try InlineSpec.check(yaml)
    let plan = try Planner.plan(spec.graph, capacity: capacity, training: true)
    return Interpreter(plan: plan, seed: seed)
  }

  func fill(_ interpreter: Interpreter, batch: Int) {
    let graph = interpreter.plan.graph
    var random = SplitMix64(seed: 99)
    let x = interpreter.buffer(of: graph.inputs[0])
    for i in 0..<x.count { x[i] = 2 * random.nextFloat() - 1 }
    let labels = interpreter.buffer(of: graph.targets[0])
    for i in 0..<batch { labels[i] = Float(i % 3) }
  }

  /// Dense ReLU layers feeding dense layers: the plan folds the ReLU masks
  /// into the consumers' input-gradient GEMMs.
  static let reluChain = """
    netspec: 1
    inputs: {x: [N, 6]}
    layers:
      - dense: {units: 7, activation: relu, name: a}
      - dense: {units: 5, activation: relu, name: b}
      - dense: {units: 3, name: logits}
    train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.1}}}
    """

  @Test func reluMasksAreFoldedIntoTheConsumersGEMMs() throws {
    let interpreter = try makeInterpreter(Self.reluChain)
    let plan = interpreter.plan
    let name = { (step: ExecutionPlan.Step) in plan.graph.nodes[step.node].name }
    #expect(Set(plan.backwardSteps.filter(\.outputGradientMasked).map(name)) == ["a", "b"])
    #expect(Set(plan.backwardSteps.filter { $0.inputGradientMask != nil }.map(name)) == ["b", "logits"])
    // Not folded when the ReLU output has two consumers.
    let branched = try makeInterpreter(Self.mlp)
    #expect(!branched.plan.backwardSteps.contains { $0.outputGradientMasked || $0.inputGradientMask != nil })
  }

  @Test(arguments: [mlp, reluChain])
  func wholeModelGradientsMatchFiniteDifferences(_ yaml: String) throws {
    try expectGradientsMatchFiniteDifferences(makeInterpreter(yaml))
  }

  /// Every parameter's gradient (a few probes each) against central differences
  /// of the loss, on a batch of 4 from ``fill(_:batch:)``.
  func expectGradientsMatchFiniteDifferences(_ interpreter: Interpreter) throws {
    fill(interpreter, batch: 4)
    interpreter.forward(batch: 4, training: true)
    interpreter.backward(batch: 4)
    let graph = interpreter.plan.graph
    for (id, parameter) in graph.parameters.enumerated() where parameter.trainable {
      let values = interpreter.parameter(id)
      let analytic = Array(try #require(interpreter.parameterGradient(id)))
      for j in OpHarness.probes(values.count, limit: 6) {
        let original = values[j]
        values[j] = original + 1e-2
        interpreter.forward(batch: 4, training: true)
        let plus = Double(interpreter.loss)
        values[j] = original - 1e-2
        interpreter.forward(batch: 4, training: true)
        let minus = Double(interpreter.loss)
        values[j] = original
        let numeric = Float((plus - minus) / 2e-2)
        #expect(abs(numeric - analytic[j]) <= 1e-2 * max(1, abs(numeric)), "\(parameter.name)[\(j)]")
      }
    }
  }

  @Test func sameSeedGivesBitIdenticalWeights() throws {
    let a = try makeInterpreter(Self.mlp, seed: 5)
    let b = try makeInterpreter(Self.mlp, seed: 5)
    let c = try makeInterpreter(Self.mlp, seed: 6)
    let count = a.plan.parameterArenaSize
    #expect(
      Array(UnsafeBufferPointer(start: a.parameters, count: count))
        == Array(UnsafeBufferPointer(start: b.parameters, count: count)))
    #expect(
      Array(UnsafeBufferPointer(start: a.parameters, count: count))
        != Array(UnsafeBufferPointer(start: c.parameters, count: count)))
  }

  @Test func sgdStepsReduceTheLoss() throws {
    let interpreter = try makeInterpreter(Self.mlp)
    let optimizer = Optimizer(
      .sgd(momentum: 0.9, nesterov: false), weightDecay: 0, count: interpreter.plan.trainableCount)
    fill(interpreter, batch: 4)
    interpreter.forward(batch: 4, training: true)
    let first = interpreter.loss
    for _ in 0..<30 {
      interpreter.forward(batch: 4, training: true)
      interpreter.backward(batch: 4)
      optimizer.step(parameters: interpreter.parameters, gradients: interpreter.gradients, lr: 0.1)
    }
    interpreter.forward(batch: 4, training: true)
    #expect(interpreter.loss < first * 0.5)
  }

  @Test func buffersWithDisjointLifetimesShareMemory() throws {
    let interpreter = try makeInterpreter(Self.mlp, capacity: 64)
    let plan = interpreter.plan
    let total = plan.buffers.reduce(0) { $0 + $1.size(capacity: 64) }
    #expect(plan.arenaSize < total)
    for (i, a) in plan.buffers.enumerated() {
      for b in plan.buffers[(i + 1)...] where a.firstUse <= b.lastUse && b.firstUse <= a.lastUse {
        let aEnd = a.offset + a.size(capacity: 64)
        let bEnd = b.offset + b.size(capacity: 64)
        #expect(aEnd <= b.offset || bEnd <= a.offset, "\(a.name) overlaps \(b.name)")
      }
    }
  }

  @Test func smallerBatchThanCapacityRuns() throws {
    let interpreter = try makeInterpreter(Self.mlp, capacity: 8)
    fill(interpreter, batch: 3)
    interpreter.forward(batch: 3, training: true)
    #expect(interpreter.loss.isFinite)
  }
}

@Suite struct OptimizerTests {
  /// Hand-computed: p = 1, g = 0.5, lr = 0.1.
  @Test func sgdWithMomentum() {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    let g = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    defer { p.deallocate(); g.deallocate() }
    p[0] = 1
    g[0] = 0.5
    let sgd = Optimizer(.sgd(momentum: 0.9, nesterov: false), weightDecay: 0, count: 1)
    sgd.step(parameters: p, gradients: g, lr: 0.1)  // v = 0.5, p = 0.95
    #expect(abs(p[0] - 0.95) < 1e-6)
    sgd.step(parameters: p, gradients: g, lr: 0.1)  // v = 0.95, p = 0.855
    #expect(abs(p[0] - 0.855) < 1e-6)
  }

  @Test func nesterovAndWeightDecay() {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    let g = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    defer { p.deallocate(); g.deallocate() }
    p[0] = 1
    g[0] = 0.5
    let sgd = Optimizer(.sgd(momentum: 0.5, nesterov: true), weightDecay: 0.1, count: 1)
    // d = 0.5 + 0.1 = 0.6; v = 0.6; step = d + 0.5 v = 0.9; p = 1 - 0.09
    sgd.step(parameters: p, gradients: g, lr: 0.1)
    #expect(abs(p[0] - 0.91) < 1e-6)
  }

  @Test func adamFirstStepMovesByTheLearningRate() {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: 2)
    let g = UnsafeMutablePointer<Float>.allocate(capacity: 2)
    defer { p.deallocate(); g.deallocate() }
    p[0] = 1; p[1] = -1
    g[0] = 0.3; g[1] = -2
    let adam = Optimizer(.adam(.init(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)), weightDecay: 0, count: 2)
    adam.step(parameters: p, gradients: g, lr: 0.01)
    // m̂ = g, v̂ = g², so the step is lr * sign(g).
    #expect(abs(p[0] - 0.99) < 1e-5)
    #expect(abs(p[1] - -0.99) < 1e-5)
  }

  @Test func adamwDecaysDecoupled() {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    let g = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    defer { p.deallocate(); g.deallocate() }
    p[0] = 2
    g[0] = 0
    let adamw = Optimizer(
      .adamw(.init(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), weightDecay: 0.5), weightDecay: 0, count: 1)
    adamw.step(parameters: p, gradients: g, lr: 0.1)
    #expect(abs(p[0] - 1.9) < 1e-6)  // 2 - 0.1 * 0.5 * 2, and a zero Adam step
  }

  @Test func clippingScalesToTheMaximumNorm() {
    let g = UnsafeMutablePointer<Float>.allocate(capacity: 2)
    defer { g.deallocate() }
    g[0] = 3; g[1] = 4
    let norm = Optimizer.clip(g, count: 2, maxNorm: 1)
    #expect(norm == 5)
    #expect(abs(g[0] - 0.6) < 1e-5 && abs(g[1] - 0.8) < 1e-5)
  }

  static let span = SourceSpan(file: SourceFile(path: "t.yaml", text: ""), from: 0, to: 0)

  @Test func schedules() {
    let step = LRSchedule(kind: .step(every: 2, gamma: 0.5), warmupEpochs: 0, span: Self.span)
    #expect(step.runtime.rate(base: 1, epoch: 3, epochs: 10, step: 0, stepsPerEpoch: 1) == 0.5)
    let cosine = LRSchedule(kind: .cosine(minLR: 0), warmupEpochs: 0, span: Self.span)
    #expect(abs(cosine.runtime.rate(base: 1, epoch: 5, epochs: 10, step: 0, stepsPerEpoch: 1) - 0.5) < 1e-9)
    let warm = LRSchedule(kind: .constant, warmupEpochs: 2, span: Self.span)
    // Step 2 of 4 warm-up steps (2 epochs of 2): 1 * 2 / 4.
    #expect(warm.runtime.rate(base: 1, epoch: 0, epochs: 10, step: 1, stepsPerEpoch: 2) == 0.5)
  }
}
