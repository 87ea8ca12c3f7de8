/// The interpreter as a ``TrainableModel``: the plan's input, target and
/// prediction buffers, and the spec's optimizer (with gradient clipping)
/// as the update, so that ``TrainingLoop`` drives it as it drives an emitted
/// model. A model fed several inputs takes its samples with the inputs side
/// by side in a staging buffer, split into the inputs' buffers before each
/// forward pass. A graph whose loss reads no data target (an autoencoder
/// scoring its own input) gets a scratch buffer for the labels the batches carry.
final class InterpreterModel: TrainableModel {
  let interpreter: Interpreter
  let optimizer: Optimizer
  let clipGradNorm: Float?
  let inputs: [ValueID]
  /// The data target the batches' labels go to; nil when the loss reads none.
  let target: ValueID?
  let prediction: ValueID
  /// What the metrics score the prediction against: the first scoring term's target.
  let scoredTarget: ValueID
  let lossTermNames: [String]
  private let lossTermValueIDs: [ValueID]
  private let labels: UnsafeMutableBufferPointer<Float>
  /// Values per sample of each input, in `inputs` order.
  private let strides: [Int]
  /// The staging buffer for several inputs; nil for one.
  private let staged: UnsafeMutableBufferPointer<Float>?

  init(
    interpreter: Interpreter, optimizer: Optimizer, clipGradNorm: Float?, inputs: [ValueID], target: ValueID?,
    labelStride: Int
  ) {
    self.interpreter = interpreter
    self.optimizer = optimizer
    self.clipGradNorm = clipGradNorm
    self.inputs = inputs
    self.target = target
    let graph = interpreter.plan.graph
    let lossNode = graph.lossNode!
    prediction = lossNode.inputs[0]
    scoredTarget = lossNode.op is any LossOperator ? lossNode.inputs[1] : target ?? lossNode.inputs[0]
    let terms = graph.lossTerms.count > 1 ? graph.lossTerms : []
    lossTermNames = terms.map(\.name)
    lossTermValueIDs = terms.map { graph.nodes[$0.node].outputs[0] }
    labels = .allocate(capacity: target == nil ? max(1, interpreter.plan.capacity * labelStride) : 0)
    labels.initialize(repeating: 0)
    let plan = interpreter.plan
    strides = inputs.map { plan.buffers[plan.valueBuffers[$0]!].perSample }
    staged = inputs.count > 1 ? .allocate(capacity: plan.capacity * strides.reduce(0, +)) : nil
    staged?.initialize(repeating: 0)
  }

  deinit {
    labels.deallocate()
    staged?.deallocate()
  }

  var batchCapacity: Int { interpreter.plan.capacity }
  var inputBuffer: UnsafeMutableBufferPointer<Float> { staged ?? interpreter.buffer(of: inputs[0]) }
  var targetBuffer: UnsafeMutableBufferPointer<Float> { target.map { interpreter.buffer(of: $0) } ?? labels }
  var scoredTargetBuffer: UnsafeMutableBufferPointer<Float> { interpreter.buffer(of: scoredTarget) }
  var lossTermValues: [Float] { lossTermValueIDs.map { interpreter.buffer(of: $0)[0] } }
  var predictionBuffer: UnsafeMutableBufferPointer<Float> { interpreter.buffer(of: prediction) }
  var predictionStride: Int { interpreter.plan.buffers[interpreter.plan.valueBuffers[prediction]!].perSample }
  var parameterBuffer: UnsafeMutableBufferPointer<Float> {
    UnsafeMutableBufferPointer(start: interpreter.parameters, count: interpreter.plan.parameterArenaSize)
  }

  func forward(batch: Int, training: Bool) -> Float {
    if let staged { scatter(staged, batch: batch) }
    interpreter.forward(batch: batch, training: training)
    return interpreter.loss
  }

  func infer(batch: Int) -> Float {
    if let staged { scatter(staged, batch: batch) }
    interpreter.infer(batch: batch)
    return interpreter.loss
  }

  func backward(batch: Int) { interpreter.backward(batch: batch) }

  func update(learningRate: Float) {
    if let clipGradNorm {
      Optimizer.clip(
        interpreter.gradients, count: interpreter.plan.trainableCount, maxNorm: clipGradNorm, pool: optimizer.pool)
    }
    optimizer.step(parameters: interpreter.parameters, gradients: interpreter.gradients, lr: learningRate)
  }

  /// Copies `batch` samples of the inputs side by side into each input's buffer.
  private func scatter(_ staged: UnsafeMutableBufferPointer<Float>, batch: Int) {
    let sampleStride = strides.reduce(0, +)
    var start = 0
    for (input, stride) in zip(inputs, strides) {
      let buffer = interpreter.buffer(of: input)
      for sample in 0..<batch {
        for k in 0..<stride { buffer[sample * stride + k] = staged[sample * sampleStride + start + k] }
      }
      start += stride
    }
  }
}
