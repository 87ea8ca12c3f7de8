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
