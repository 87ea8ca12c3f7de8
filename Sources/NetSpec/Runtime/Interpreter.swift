import NetSpecKernels

/// Runs an ``ExecutionPlan`` on the CPU kernels: one arena for activations and
/// gradients, one for parameters (trainable prefix first) and one for parameter
/// gradients. Every kernel call's buffers are resolved once, at construction, so
/// a step does no allocation and no lookups.
///
/// ```swift
/// let interpreter = Interpreter(plan: plan, seed: 42)
/// interpreter.setInput(image, batch: 64) { dst in ... }
/// interpreter.forward(batch: 64, training: true)
/// interpreter.backward(batch: 64)
/// interpreter.infer(batch: 64)  // validation, prediction: no backward pass after it
/// ```
public final class Interpreter: @unchecked Sendable {
  public let plan: ExecutionPlan
  /// Activations and activation gradients.
  public let arena: UnsafeMutablePointer<Float>
  /// Parameters: trainable ones first (``ExecutionPlan/trainableCount`` floats), then
  /// frozen ones, then buffers.
  public let parameters: UnsafeMutablePointer<Float>
  /// Gradients of the trainable parameters, laid out like their prefix.
  public let gradients: UnsafeMutablePointer<Float>
  private var forwardKernels: [Kernel]
  private var backwardKernels: [Kernel]
  private let operators: [any ExecutableOperator]
  /// Forward steps an inference pass skips (``ExecutionPlan/Step/skippedInInference``).
  private let skippedInInference: [Bool]
  private let pool: ComputePool
  /// Seed of the run: dropout masks derive from it, the node and the step.
  public var seed: UInt64
  /// Counts forward passes, so dropout masks differ between steps; a resumed
  /// run sets it to the count its checkpoint saved.
  public var step: UInt64 = 0
  /// The mode of the last forward pass; the backward pass differentiates that
  /// computation (dropout masks, batch or running statistics).
  private var lastForwardTraining = true
  /// Whether the last forward pass was an inference pass (``infer(batch:)``),
  /// after which no backward pass may run.
  private var lastForwardInferred = false

  /// - Parameters:
  ///   - seed: Initializes the parameters (``ParameterInitialization``) and seeds dropout.
  public init(plan: ExecutionPlan, seed: UInt64, pool: ComputePool = .shared) {
    self.plan = plan
    self.seed = seed
    self.pool = pool
    arena = .allocate(capacity: max(plan.arenaSize, 1))
    arena.initialize(repeating: 0, count: max(plan.arenaSize, 1))
    parameters = .allocate(capacity: max(plan.parameterArenaSize, 1))
    parameters.initialize(repeating: 0, count: max(plan.parameterArenaSize, 1))
    gradients = .allocate(capacity: max(plan.trainableCount, 1))
    gradients.initialize(repeating: 0, count: max(plan.trainableCount, 1))
    operators = plan.graph.nodes.map { $0.op as! any ExecutableOperator }
    skippedInInference = plan.forwardSteps.map(\.skippedInInference)
    forwardKernels = []
    backwardKernels = []
    forwardKernels = plan.forwardSteps.map(kernel(for:))
    backwardKernels = plan.backwardSteps.map(kernel(for:))
    ParameterInitialization.initialize(plan: plan, parameters: parameters, seed: seed)
  }

  deinit {
    arena.deallocate()
    parameters.deallocate()
    gradients.deallocate()
  }

  private func kernel(for step: ExecutionPlan.Step) -> Kernel {
    let node = plan.graph.nodes[step.node]
    let buffer = { (id: Int) in self.arena + self.plan.buffers[id].offset }
    let parameterPointers = node.parameters.map { parameters + plan.slot(of: $0.id).offset }
    let parameterGradients: [UnsafeMutablePointer<Float>?] = node.parameters.map {
      let slot = plan.slot(of: $0.id)
      return plan.graph.parameters[$0.id].trainable ? gradients + slot.offset : nil
    }
    var kernel = Kernel(
      batch: plan.capacity, shapes: step.shapes, inputs: step.inputs.map(buffer), outputs: step.outputs.map(buffer),
      parameters: parameterPointers, buffers: node.buffers.map { parameters + plan.slot(of: $0.id).offset },
      saved: step.saved.map(buffer), workspace: step.workspace.map(buffer),
      outputGradients: step.outputGradients.map(buffer), inputGradients: step.inputGradients.map { $0.map(buffer) },
      accumulateInput: step.accumulateInput,
      parameterGradients: step.phase == .backward ? parameterGradients : [],
      accumulateParameter: step.accumulateParameter, training: true, seed: 0, pool: pool)
    kernel.inputGradientMask = step.inputGradientMask.map { UnsafePointer(buffer($0)) }
    kernel.outputGradientMasked = step.outputGradientMasked
    kernel.fusedPooling = step.fusedPooling.map { fused in
      let pooling = plan.graph.nodes[fused.node].op as! any PlanePooling
      return FusedPoolingKernel(
        operation: pooling, geometry: pooling.geometry(fused.shapes), output: buffer(fused.output),
        saved: fused.saved.map(buffer), outputGradient: fused.outputGradient.map(buffer))
    }
    kernel.foldedNormalization = step.foldedNormalization.map { folded in
      let norm = plan.graph.nodes[folded.normalization]
      let slot = { (id: ParameterID) in UnsafePointer(self.parameters + self.plan.slot(of: id).offset) }
      let activation = folded.activation.map { (plan.graph.nodes[$0].op as! any ElementwiseActivation).kernel }
      return FoldedNormalizationKernel(
        normWeight: slot(norm.parameters[0].id), normBias: slot(norm.parameters[1].id),
        runningMean: slot(norm.buffers[0].id), runningVariance: slot(norm.buffers[1].id),
        epsilon: Float((norm.op as! any FoldableNormalization).eps), activation: activation,
        weight: buffer(folded.weight), bias: buffer(folded.bias), output: folded.output.map(buffer))
    }
    return kernel
  }

  /// The arena region of a value (`capacity * perSample` floats for batched values).
  public func buffer(of value: ValueID) -> UnsafeMutableBufferPointer<Float> {
    let b = plan.buffers[plan.valueBuffers[value]!]
    return UnsafeMutableBufferPointer(start: arena + b.offset, count: b.size(capacity: plan.capacity))
  }

  /// The arena region of a value's gradient, if the plan computes it.
  public func gradient(of value: ValueID) -> UnsafeMutableBufferPointer<Float>? {
    guard let id = plan.gradientBuffers[value] else { return nil }
    let b = plan.buffers[id]
    return UnsafeMutableBufferPointer(start: arena + b.offset, count: b.size(capacity: plan.capacity))
  }

  /// The parameter arena region of one parameter.
  public func parameter(_ id: ParameterID) -> UnsafeMutableBufferPointer<Float> {
    let slot = plan.slot(of: id)
    return UnsafeMutableBufferPointer(start: parameters + slot.offset, count: slot.count)
  }

  /// The gradient of one trainable parameter.
  public func parameterGradient(_ id: ParameterID) -> UnsafeMutableBufferPointer<Float>? {
    guard plan.graph.parameters[id].trainable else { return nil }
    let slot = plan.slot(of: id)
    return UnsafeMutableBufferPointer(start: gradients + slot.offset, count: slot.count)
  }

  /// Runs the forward pass (and the loss when the plan trains) on `batch`
  /// samples, training (dropout, batch statistics) or not (running
  /// statistics). A backward pass may follow either, and differentiates the
  /// pass as it ran: in a training plan every step runs, also those a fusion
  /// for inference passes takes over (``infer(batch:)``).
  public func forward(batch: Int, training: Bool) {
    forward(batch: batch, training: training, steps: forwardKernels.indices)
  }

  /// Runs the forward steps `steps` (indices into the plan's
  /// `forwardSteps`, in order) on `batch` samples: a suffix decodes from
  /// values written into an intermediate buffer (``Predictor/decode``).
  public func forward(batch: Int, training: Bool, steps: some Sequence<Int>) {
    run(batch: batch, training: training, inference: !plan.training, steps: steps)
  }

  /// Runs an inference pass on `batch` samples: the forward pass without
  /// training, after which no backward pass runs (validation, prediction), so
  /// the fusions for inference apply (``FusionRule/inferenceOnly``: a
  /// batchnorm folded into the convolution before it) and the steps they
  /// take over are skipped. Equal to `forward(batch:training: false)` within
  /// float rounding; ``backward(batch:)`` after it is a precondition failure.
  public func infer(batch: Int) {
    run(batch: batch, training: false, inference: true, steps: forwardKernels.indices)
  }

  /// One forward pass; `inference` always in a plan that does not train.
  private func run(batch: Int, training: Bool, inference: Bool, steps: some Sequence<Int>) {
    precondition(batch >= 1 && batch <= plan.capacity, "batch \(batch) exceeds the plan's capacity \(plan.capacity)")
    step &+= 1
    lastForwardTraining = training
    lastForwardInferred = inference
    for i in steps where !(inference && skippedInInference[i]) {
      forwardKernels[i].batch = batch
      forwardKernels[i].training = training
      forwardKernels[i].inference = inference
      forwardKernels[i].seed = SplitMix64.mix(seed, UInt64(plan.forwardSteps[i].node), step)
      operators[plan.forwardSteps[i].node].forward(forwardKernels[i])
    }
  }

  /// Runs the backward pass after ``forward(batch:training:)``: fills the
  /// parameter gradients of the mean loss over the batch. Not after
  /// ``infer(batch:)``, whose fused steps leave outputs the backward steps
  /// read unwritten.
  public func backward(batch: Int) {
    guard let loss = plan.graph.loss, let seedBuffer = plan.gradientBuffers[loss] else { return }
    precondition(
      !lastForwardInferred, "backward(batch:) after infer(batch:): run forward(batch:training:) before a backward pass")
    arena[plan.buffers[seedBuffer].offset] = 1
    for i in backwardKernels.indices {
      backwardKernels[i].batch = batch
      backwardKernels[i].training = lastForwardTraining
      backwardKernels[i].seed = SplitMix64.mix(seed, UInt64(plan.backwardSteps[i].node), step)
      for output in plan.backwardSteps[i].zeroedOutputGradients {
        backwardKernels[i].outputGradients[output].update(
          repeating: 0, count: batch * backwardKernels[i].shapes.outputCount(output))
      }
      operators[plan.backwardSteps[i].node].backward(backwardKernels[i])
    }
  }

  /// The mean loss of the last forward pass.
  public var loss: Float {
    guard let loss = plan.graph.loss else { return .nan }
    return buffer(of: loss)[0]
  }
}
