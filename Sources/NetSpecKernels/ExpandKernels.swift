/// Repeating a tensor to a larger shape of the same rank, where every input
/// axis has the output's size or 1 (PyTorch's `expand`), and the gradient's
/// way back: the sum over the repeated axes. The `expand` op and the
/// `parameter` op (one stored sample repeated over the batch) call these.
/// Shapes are whole, the batch axis included, row-major and contiguous.
public enum ExpandKernels {
  /// `y[i] = x[i']`, where `i'` is `i` with every broadcast axis at 0.
  public static func expand(y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, input: [Int], output: [Int]) {
    let layout = BroadcastLayout(input: input, output: output)
    layout.forEachRow { outputOffset, inputOffset in
      if layout.innerBroadcast {
        (y + outputOffset).update(repeating: x[inputOffset], count: layout.inner)
      } else {
        CopyKernel.copy(x + inputOffset, y + outputOffset, count: layout.inner)
      }
    }
  }

  /// `dx[i'] = sum of dy[i]` over the output positions `i` that read `x[i']`;
  /// added into `dx` when `accumulate` is set.
  public static func reduce(
    dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, input: [Int], output: [Int], accumulate: Bool
  ) {
    let layout = BroadcastLayout(input: input, output: output)
    if !accumulate { dx.update(repeating: 0, count: input.reduce(1, *)) }
    layout.forEachRow { outputOffset, inputOffset in
      if layout.innerBroadcast {
        var sum: Float = 0
        for i in 0..<layout.inner { sum += dy[outputOffset + i] }
        dx[inputOffset] += sum
      } else {
        CopyKernel.copy(dy + outputOffset, dx + inputOffset, count: layout.inner, accumulate: true)
      }
    }
  }
}

/// Rows of the output (all axes but the last) and where each reads the input.
struct BroadcastLayout {
  var input: [Int]
  var output: [Int]
  /// The last axis' output size.
  var inner: Int
  /// The last axis is broadcast (the input has size 1 there).
  var innerBroadcast: Bool

  init(input: [Int], output: [Int]) {
    precondition(input.count == output.count && !output.isEmpty, "broadcast needs shapes of equal rank")
    self.input = input
    self.output = output
    inner = output[output.count - 1]
    innerBroadcast = input[input.count - 1] == 1 && inner != 1
  }

  /// Calls `body(outputOffset, inputOffset)` for every row of the output.
  func forEachRow(_ body: (Int, Int) -> Void) {
    let rank = output.count
    var inputStrides = [Int](repeating: 0, count: rank)
    var size = 1
    for axis in (0..<rank).reversed() {
      inputStrides[axis] = input[axis] == 1 ? 0 : size
      size *= input[axis]
    }
    let rows = output.dropLast().reduce(1, *)
    var index = [Int](repeating: 0, count: max(rank - 1, 0))
    var inputOffset = 0
    for row in 0..<rows {
      body(row * inner, inputOffset)
      var axis = rank - 2
      while axis >= 0 {
        index[axis] += 1
        inputOffset += inputStrides[axis]
        if index[axis] < output[axis] { break }
        inputOffset -= inputStrides[axis] * index[axis]
        index[axis] = 0
        axis -= 1
      }
    }
  }
}

extension ExpandKernels {
  /// `y[i] = value` for `i < count`: a constant tensor, or a gradient that is zero.
  public static func fill(y: UnsafeMutablePointer<Float>, value: Float, count: Int) {
    y.update(repeating: value, count: count)
  }
}
