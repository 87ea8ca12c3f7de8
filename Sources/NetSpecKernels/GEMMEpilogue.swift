/// Element-wise work that ``GEMM`` applies to each tile of C right after computing
/// it, while the tile is still in cache:
///
///     C = activation(alpha * op(A) * op(B) + beta * C + bias)
///
/// This fuses a dense layer's bias and activation (`.init(bias: .perColumn(b),
/// activation: .relu)`), a convolution's per-channel bias (`.perRow` when output
/// channels are the rows of C) and, in the backward pass, ReLU's gradient mask
/// into the GEMM instead of extra passes over memory.
///
/// The pointers are read during the ``GEMM/sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:epilogue:pool:)``
/// call only.
public struct GEMMEpilogue {
  /// A bias added to every element of C.
  public enum Bias {
    /// No bias.
    case none
    /// `C[i, j] += bias[j]`: `n` floats, one per column (a dense layer's bias).
    case perColumn(UnsafePointer<Float>)
    /// `C[i, j] += bias[i]`: `m` floats, one per row.
    case perRow(UnsafePointer<Float>)
  }

  /// The last step, applied after the bias.
  public enum Activation {
    /// Leaves the value as it is.
    case identity
    /// `max(x, 0)`; NaN stays NaN.
    case relu
    /// ReLU's backward mask: keeps `C[i, j]` where `input[i * ld + j] > 0` and zeroes
    /// it elsewhere. `input` is the forward pass's ReLU input (or output) with the
    /// shape of C, `ld` floats between rows.
    case reluGradient(input: UnsafePointer<Float>, ld: Int)
  }

  /// Added first.
  public var bias: Bias
  /// Applied to the biased value.
  public var activation: Activation

  /// An epilogue adding `bias`, then applying `activation`.
  public init(bias: Bias = .none, activation: Activation = .identity) {
    self.bias = bias
    self.activation = activation
  }

  /// Plain GEMM: no bias, no activation.
  public static var none: GEMMEpilogue { GEMMEpilogue() }

  var isNone: Bool {
    if case .none = bias, case .identity = activation { return true }
    return false
  }

  /// Applies the epilogue to `C[rows, columns]`, where `c` points at `C[0, 0]`.
  func apply(to c: UnsafeMutablePointer<Float>, ldc: Int, rows: Range<Int>, columns: Range<Int>) {
    let lanes = KernelVector.scalarCount
    for i in rows {
      let row = c + i * ldc
      var j = columns.lowerBound
      while j + lanes <= columns.upperBound {
        storeVector(finish(loadVector(row + j), i, j), to: row + j)
        j += lanes
      }
      while j < columns.upperBound {
        row[j] = finish(row[j], i, j)
        j += 1
      }
    }
  }

  @inline(__always)
  private func finish(_ x: KernelVector, _ i: Int, _ j: Int) -> KernelVector {
    var x = x
    switch bias {
    case .none: break
    case .perColumn(let bias): x += loadVector(bias + j)
    case .perRow(let bias): x += bias[i]
    }
    switch activation {
    case .identity: break
    case .relu: x.replace(with: 0, where: x .< 0)
    case .reluGradient(let input, let ld): x.replace(with: 0, where: .!(loadVector(input + i * ld + j) .> 0))
    }
    return x
  }

  @inline(__always)
  private func finish(_ x: Float, _ i: Int, _ j: Int) -> Float {
    var x = x
    switch bias {
    case .none: break
    case .perColumn(let bias): x += bias[j]
    case .perRow(let bias): x += bias[i]
    }
    switch activation {
    case .identity: break
    case .relu: if x < 0 { x = 0 }
    case .reluGradient(let input, let ld): if !(input[i * ld + j] > 0) { x = 0 }
    }
    return x
  }
}
