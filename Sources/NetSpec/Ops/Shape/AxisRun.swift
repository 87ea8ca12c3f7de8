import NetSpecKernels

/// A strided run of positions along one axis of each sample, as ``SliceKernels``
/// reads it: the `slice` and `select` ops resolve their attributes to one.
struct AxisRun: Sendable, Hashable {
  /// The axis in the per-sample shape (the whole shape's axis minus 1).
  var axis: Int
  var start: Int
  var step: Int
  var count: Int

  /// `(outer, length, inner)` of a per-sample `shape` around the axis, with
  /// `outer` per sample (the callers multiply by the batch).
  func layout(_ shape: [Int]) -> (outer: Int, length: Int, inner: Int) {
    (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
  }

  /// ``SliceKernels/forward(y:x:outer:length:inner:start:step:count:)`` for `batch` samples.
  func forward(y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, batch: Int, shape: [Int]) {
    let (outer, length, inner) = layout(shape)
    SliceKernels.forward(
      y: y, x: x, outer: batch * outer, length: length, inner: inner, start: start, step: step, count: count)
  }

  /// ``SliceKernels/backward(dx:dy:outer:length:inner:start:step:count:accumulate:)`` for `batch` samples.
  func backward(
    dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, batch: Int, shape: [Int], accumulate: Bool
  ) {
    let (outer, length, inner) = layout(shape)
    SliceKernels.backward(
      dx: dx, dy: dy, outer: batch * outer, length: length, inner: inner, start: start, step: step, count: count,
      accumulate: accumulate)
  }

  /// The same forward call as emitted Swift, with literal sizes.
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (outer, length, inner) = layout(s.shapes.inputs[0])
    code.call(
      "SliceKernels.forward",
      [
        "y": s.output(0), "x": s.input(0), "outer": StepEmission.rows(outer), "length": "\(length)",
        "inner": "\(inner)", "start": "\(start)", "step": "\(step)", "count": "\(count)",
      ])
  }

  /// The same backward call as emitted Swift, with literal sizes.
  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let (outer, length, inner) = layout(s.shapes.inputs[0])
    code.call(
      "SliceKernels.backward",
      [
        "dx": dx, "dy": s.outputGradient(0), "outer": StepEmission.rows(outer), "length": "\(length)",
        "inner": "\(inner)", "start": "\(start)", "step": "\(step)", "count": "\(count)",
        "accumulate": "\(s.accumulatesInput(0))",
      ])
  }
}

/// An op that copies one ``AxisRun`` of its input (`slice`, `select`): its kernels
/// and emitted code come from the run its attributes resolve to.
protocol AxisRunOperator: EmittableOperator {
  /// The kept positions of the input `x`, or a located error.
  func resolve(_ x: TensorType) throws(ShapeError) -> AxisRun
}

extension AxisRunOperator {
  public var backwardReads: BackwardReads { .nothing }

  /// The run on planned shapes, which the shape rule accepted.
  func run(_ shapes: OpShapes) -> AxisRun {
    let x = TensorType([Dim.symbol("N")] + shapes.inputs[0].map { Dim($0) })
    guard let run = try? resolve(x) else {
      preconditionFailure("\(Self.schema.name) planned on shapes its rule rejects")
    }
    return run
  }

  /// Copies the kept positions (``SliceKernels``).
  public func forward(_ k: Kernel) {
    run(k.shapes).forward(y: k.outputs[0], x: k.inputs[0], batch: k.batch, shape: k.shapes.inputs[0])
  }

  /// Puts the gradient back at the kept positions, zero elsewhere.
  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    run(k.shapes).backward(
      dx: dx, dy: k.outputGradients[0], batch: k.batch, shape: k.shapes.inputs[0], accumulate: k.accumulateInput[0])
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) { run(s.shapes).emitForward(s, &code) }
  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) { run(s.shapes).emitBackward(s, &code) }
}
