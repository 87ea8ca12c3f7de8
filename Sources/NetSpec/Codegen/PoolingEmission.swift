/// The window walk shared by the emitted pooling kernels: for every plane of
/// `[N, C, H, W]`, every output position's window clipped to the input, the
/// body seeing `rows`, `columns`, `oh` and `ow`.
struct PoolingEmission {
  let kernel: (Int, Int)
  let stride: (Int, Int)
  let padding: (Int, Int)
  let shapes: OpShapes

  var channels: Int { shapes.inputs[0][0] }
  var height: Int { shapes.inputs[0][1] }
  var width: Int { shapes.inputs[0][2] }
  var outputHeight: Int { shapes.outputs[0][1] }
  var outputWidth: Int { shapes.outputs[0][2] }

  /// `pool.parallelRanges` over the planes; `prologue` declares per-plane
  /// pointers, `body` runs per window.
  func emit(
    _ code: inout SwiftWriter, grain: Int, prologue: (inout SwiftWriter) -> Void,
    body: (inout SwiftWriter) -> Void
  ) {
    code.closure("pool.parallelRanges(n * \(channels), grain: \(max(1, grain))) { planes in") { code in
      code.block("for plane in planes") { code in
        prologue(&code)
        code.block("for oh in 0..<\(outputHeight)") { code in
          code.line("let top = oh * \(stride.0) - \(padding.0)")
          code.line("let rows = max(0, top)..<min(\(height), top + \(kernel.0))")
          code.block("for ow in 0..<\(outputWidth)") { code in
            code.line("let left = ow * \(stride.1) - \(padding.1)")
            code.line("let columns = max(0, left)..<min(\(width), left + \(kernel.1))")
            body(&code)
          }
        }
      }
    }
  }
}
