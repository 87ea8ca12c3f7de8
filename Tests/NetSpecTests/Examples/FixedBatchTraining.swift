import Testing

@testable import NetSpec

/// A reduced spec trained by the interpreter on one fixed batch, as the example
/// and spec tests train them: planned for `batch` samples, the batch filled
/// once, then `steps` times backward, an optimizer step and forward again.
/// Unset settings come from the spec's `train:` section.
struct FixedBatchTraining {
  /// Samples in the batch (the plan's capacity).
  var batch: Int
  /// Optimizer steps taken.
  var steps: Int
  /// Values of the symbolic dimensions other than the batch `N`.
  var bindings: [String: Int] = [:]
  /// The interpreter's initialization seed; nil: the spec's `train.seed`.
  var seed: UInt64? = nil
  /// The optimizer; nil: the spec's.
  var optimizer: OptimizerSpec.Algorithm? = nil
  /// L2 weight decay; nil: the spec's `train.weight_decay`.
  var weightDecay: Double? = nil
  /// The learning rate; nil: the spec's base rate (a schedule spans epochs, so
  /// a few steps train at the base rate).
  var lr: Float? = nil
  /// The gradients' largest global norm (as `train.clip_grad_norm`); nil: no clipping.
  var clipGradNorm: Double? = nil

  /// What `record` reads after the first forward pass and after each step
  /// (`steps + 1` values); `fill` writes the batch into the inputs and targets.
  func trace<Value>(
    of spec: CheckedSpec, fill: (Interpreter) throws -> Void = SpecTrainingTests.fillRandomly,
    record: (Interpreter) -> Value
  ) throws -> [Value] {
    let train = try #require(spec.document.train)
    let plan = try Planner.plan(spec.graph, capacity: batch, bindings: bindings, training: true)
    let interpreter = Interpreter(plan: plan, seed: seed ?? UInt64(train.seed))
    try fill(interpreter)
    let optimizer = Optimizer(
      self.optimizer ?? train.optimizer.algorithm, weightDecay: weightDecay ?? train.weightDecay,
      count: plan.trainableCount)
    let rate = lr ?? Float(train.optimizer.learningRate)
    interpreter.forward(batch: batch, training: true)
    var values = [record(interpreter)]
    for _ in 0..<steps {
      interpreter.backward(batch: batch)
      if let clipGradNorm {
        Optimizer.clip(interpreter.gradients, count: plan.trainableCount, maxNorm: Float(clipGradNorm))
      }
      optimizer.step(parameters: interpreter.parameters, gradients: interpreter.gradients, lr: rate)
      interpreter.forward(batch: batch, training: true)
      values.append(record(interpreter))
    }
    return values
  }

  /// The loss after the first forward pass and after each step; the test
  /// stops when any is not finite.
  func losses(
    of spec: CheckedSpec, fill: (Interpreter) throws -> Void = SpecTrainingTests.fillRandomly,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws -> [Float] {
    let losses = try trace(of: spec, fill: fill) { $0.loss }
    let finite = losses.allSatisfy(\.isFinite)
    try #require(finite, "losses \(losses)", sourceLocation: sourceLocation)
    return losses
  }
}
