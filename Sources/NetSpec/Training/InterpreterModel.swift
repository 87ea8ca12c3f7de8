/// The interpreter as a ``TrainableModel``: the plan's input, target and
/// prediction buffers, and the spec's optimizer (with gradient clipping)
/// as the update, so that ``TrainingLoop`` drives it as it drives an emitted
/// model.
final class InterpreterModel: TrainableModel {
  let interpreter: Interpreter
  let optimizer: Optimizer
  let clipGradNorm: Float?
  let input: ValueID
  let target: ValueID
  let prediction: ValueID

  init(interpreter: Interpreter, optimizer: Optimizer, clipGradNorm: Float?, input: ValueID, target: ValueID) {
    self.interpreter = interpreter
    self.optimizer = optimizer
    self.clipGradNorm = clipGradNorm
    self.input = input
    self.target = target
    prediction = interpreter.plan.graph.lossNode!.inputs[0]
  }

  var batchCapacity: Int { interpreter.plan.capacity }
  var inputBuffer: UnsafeMutableBufferPointer<Float> { interpreter.buffer(of: input) }
  var targetBuffer: UnsafeMutableBufferPointer<Float> { interpreter.buffer(of: target) }
  var predictionBuffer: UnsafeMutableBufferPointer<Float> { interpreter.buffer(of: prediction) }
  var predictionStride: Int { interpreter.plan.buffers[interpreter.plan.valueBuffers[prediction]!].perSample }
  var parameterBuffer: UnsafeMutableBufferPointer<Float> {
    UnsafeMutableBufferPointer(start: interpreter.parameters, count: interpreter.plan.parameterArenaSize)
  }

  func forward(batch: Int, training: Bool) -> Float {
    interpreter.forward(batch: batch, training: training)
    return interpreter.loss
  }

  func backward(batch: Int) { interpreter.backward(batch: batch) }

  func update(learningRate: Float) {
    if let clipGradNorm {
      Optimizer.clip(interpreter.gradients, count: interpreter.plan.trainableCount, maxNorm: clipGradNorm)
    }
    optimizer.step(parameters: interpreter.parameters, gradients: interpreter.gradients, lr: learningRate)
  }
}
