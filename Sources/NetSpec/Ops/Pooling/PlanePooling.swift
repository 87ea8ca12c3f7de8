import NetSpecKernels

/// A pooling op that works plane by plane on `[N, C, H, W]` (max and average
/// pooling; 1-d pooling on `[N, C, L]` as planes of height 1). Its kernels are ``PoolingGeometry``'s, called once per
/// `[H, W]` plane, and the same per-plane calls let a convolution run the
/// pooling as the epilogue of its output pass (the planner's pooling fusion,
/// ``ExecutionPlan/Step/fusedPooling``): the pooled plane is computed while the
/// convolution's output plane is in cache, and the pooled gradient is routed
/// straight into the convolution's pre-activation gradient.
protocol PlanePooling: EmittableOperator {
  var window: PoolingWindow { get }
  /// Pools plane `x` into `y`; `saved` is the plane's part of the op's saved
  /// state, for an op that has one.
  func forwardPlane(
    _ geometry: PoolingGeometry, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    saved: UnsafeMutablePointer<Float>?)
  /// Routes plane `dy`'s gradient onto input plane `dx` (written, or added
  /// when `accumulate`).
  func backwardPlane(
    _ geometry: PoolingGeometry, _ dy: UnsafePointer<Float>, saved: UnsafePointer<Float>?,
    _ dx: UnsafeMutablePointer<Float>, accumulate: Bool)
  /// `forwardPlane` as an emitted statement on the `PoolingGeometry` named `pooling`.
  func forwardPlaneCall(x: String, y: String, saved: String?) -> String
  /// `backwardPlane` as an emitted statement on the `PoolingGeometry` named `pooling`.
  func backwardPlaneCall(dy: String, saved: String?, dx: String, accumulate: Bool) -> String
}

extension PlanePooling {
  public var kernel: (Int, Int) { window.kernel }
  public var stride: (Int, Int) { window.stride }
  public var padding: (Int, Int) { window.padding }
  public var ceilMode: Bool { window.ceilMode }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference { try window.infer(inputs[0]) }

  /// The window geometry for per-sample shapes (``PoolingWindow/geometry(_:)``).
  func geometry(_ shapes: OpShapes) -> PoolingGeometry { window.geometry(shapes) }

  /// Planes per task: about 16K floats of window reads (forward) or of
  /// input plane (backward).
  func forwardGrain(_ g: PoolingGeometry) -> Int { max(1, 16_384 / (g.outputPlane * kernel.0 * kernel.1)) }
  func backwardGrain(_ g: PoolingGeometry) -> Int { max(1, 16_384 / g.inputPlane) }

  public func forward(_ k: Kernel) {
    let g = geometry(k.shapes)
    k.pool.parallelRanges(k.batch * k.shapes.inputs[0][0], grain: forwardGrain(g)) { planes in
      for plane in planes {
        forwardPlane(
          g, k.inputs[0] + plane * g.inputPlane, k.outputs[0] + plane * g.outputPlane,
          saved: k.saved.first.map { $0 + plane * g.outputPlane })
      }
    }
  }

  public func backward(_ k: Kernel) {
    guard let dx = k.inputGradients[0] else { return }
    let g = geometry(k.shapes)
    let accumulate = k.accumulateInput[0]
    k.pool.parallelRanges(k.batch * k.shapes.inputs[0][0], grain: backwardGrain(g)) { planes in
      for plane in planes {
        backwardPlane(
          g, k.outputGradients[0] + plane * g.outputPlane, saved: k.saved.first.map { $0 + plane * g.outputPlane },
          dx + plane * g.inputPlane, accumulate: accumulate)
      }
    }
  }

  /// `let pooling = PoolingGeometry(...)` with the step's literal geometry.
  /// Emitted inside the closure that uses it, so that the inlined kernels see
  /// constants rather than values captured from outside.
  func declareGeometry(_ g: PoolingGeometry, _ code: inout SwiftWriter) {
    code.line(
      "let pooling = PoolingGeometry(height: \(g.height), width: \(g.width), "
        + "kernel: (\(g.kernelHeight), \(g.kernelWidth)), stride: (\(g.strideHeight), \(g.strideWidth)), "
        + "padding: (\(g.padTop), \(g.padLeft)), outputHeight: \(g.outputHeight), outputWidth: \(g.outputWidth))")
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let g = geometry(s.shapes)
    code.closure("pool.parallelRanges(n * \(s.shapes.inputs[0][0]), grain: \(forwardGrain(g))) { planes in") {
      code in
      declareGeometry(g, &code)
      code.block("for plane in planes") { code in
        code.line(
          forwardPlaneCall(
            x: "\(s.input(0)) + plane * \(g.inputPlane)", y: "\(s.output(0)) + plane * \(g.outputPlane)",
            saved: s.step.saved.isEmpty ? nil : "\(s.saved(0)) + plane * \(g.outputPlane)"))
      }
    }
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    guard let dx = s.inputGradient(0) else { return }
    let g = geometry(s.shapes)
    code.closure("pool.parallelRanges(n * \(s.shapes.inputs[0][0]), grain: \(backwardGrain(g))) { planes in") {
      code in
      declareGeometry(g, &code)
      code.block("for plane in planes") { code in
        code.line(
          backwardPlaneCall(
            dy: "\(s.outputGradient(0)) + plane * \(g.outputPlane)",
            saved: s.step.saved.isEmpty ? nil : "\(s.saved(0)) + plane * \(g.outputPlane)",
            dx: "\(dx) + plane * \(g.inputPlane)", accumulate: s.accumulatesInput(0)))
      }
    }
  }
}
