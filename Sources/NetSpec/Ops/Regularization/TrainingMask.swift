import NetSpecKernels

/// A regularizer that multiplies its input by a random mask while training and
/// is the identity otherwise, or whenever `rate` is 0 (`dropout`, `drop_path`).
/// The `rate` attribute's reading, the shape rule, the copy outside training,
/// the guard in emitted code and the ONNX form (`Identity`) come from here; an
/// op adds its schema, its mask's saved state and the kernels that draw and
/// apply the mask.
protocol TrainingMask: EmittableOperator {
  /// The probability of zeroing an element (or a sample).
  var rate: Double { get }

  /// The op for `rate` (the memberwise initializer).
  init(rate: Double)

  /// FLOPs per element while training.
  static var flopsPerElement: Int { get }

  /// Draws the mask into `k.saved[0]` and applies it (training, `rate` > 0).
  func forwardMasked(_ k: Kernel)

  /// `dx` (accumulated or not) = the output gradient times the saved mask.
  func backwardMasked(_ k: Kernel, dx: UnsafeMutablePointer<Float>)

  /// Prints ``forwardMasked(_:)``'s call.
  func emitForwardMasked(_ s: StepEmission, _ code: inout SwiftWriter)

  /// Prints ``backwardMasked(_:dx:)``'s call.
  func emitBackwardMasked(_ s: StepEmission, dx: String, _ code: inout SwiftWriter)
}

extension TrainingMask {
  /// The op from its checked `rate`.
  public init(_ attributes: Attributes) {
    self.init(rate: attributes.float("rate"))
  }

  /// The input's type: a float tensor of any shape.
  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: Self.flopsPerElement))
  }

  public var backwardReads: BackwardReads { .nothing }

  /// Training with `rate` > 0: ``forwardMasked(_:)``; otherwise a copy.
  public func forward(_ k: Kernel) {
    guard k.training, rate > 0 else {
      return CopyKernel.copy(k.inputs[0], k.outputs[0], count: k.batch * k.shapes.inputCount(0))
    }
    forwardMasked(k)
  }

  /// Training with `rate` > 0: ``backwardMasked(_:dx:)``; otherwise dx = dy.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    guard k.training, rate > 0 else {
      return CopyKernel.copy(
        k.outputGradients[0], dx, count: k.batch * k.shapes.inputCount(0), accumulate: k.accumulateInput[0])
    }
    backwardMasked(k, dx: dx)
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let count = StepEmission.rows(s.shapes.inputCount(0))
    let copy = "CopyKernel.copy(\(s.input(0)), \(s.output(0)), count: \(count))"
    guard rate > 0 else { return code.line(copy) }
    code.block("guard training else") { code in code.line("return \(copy)") }
    emitForwardMasked(s, &code)
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let count = StepEmission.rows(s.shapes.inputCount(0))
    let copy =
      "CopyKernel.copy(\(s.outputGradient(0)), \(dx), count: \(count), accumulate: \(s.accumulatesInput(0)))"
    guard rate > 0 else { return code.line(copy) }
    code.block("guard training else") { code in code.line("return \(copy)") }
    emitBackwardMasked(s, dx: dx, &code)
  }

  /// The seed expression of a mask in emitted code: the step's node mixed
  /// with the model's seed and its forward-pass count.
  func emittedSeed(_ s: StepEmission) -> String { "SplitMix64.mix(seed, \(s.step.node), forwardPasses)" }

  /// `Identity`: the mask does nothing at inference.
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("Identity", onnx.inputs, onnx.outputs)
  }
}
