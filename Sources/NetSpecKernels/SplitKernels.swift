/// Splitting a tensor along one axis into consecutive parts (the `split` op,
/// PyTorch's `torch.split`), and joining the parts' gradients back. A tensor
/// is seen as `rows` rows (every axis before the split one, the batch
/// included), each the parts' slices side by side: part `i` takes `widths[i]`
/// floats of every row (its size along the axis times the axes after it).
public enum SplitKernels {
  /// `parts[i]` gets `widths[i]` floats of each of the `rows` rows of `x`, in order.
  @inline(__always)
  public static func forward(
    _ parts: [UnsafeMutablePointer<Float>], _ x: UnsafePointer<Float>, rows: Int, widths: [Int]
  ) {
    let width = widths.reduce(0, +)
    var offset = 0
    for (part, partWidth) in zip(parts, widths) {
      for row in 0..<rows {
        (part + row * partWidth).update(from: x + row * width + offset, count: partWidth)
      }
      offset += partWidth
    }
  }

  /// Writes (or, with `accumulate`, adds) the parts' gradients `dParts` into
  /// their places of `dx`.
  @inline(__always)
  public static func backward(
    _ dx: UnsafeMutablePointer<Float>, _ dParts: [UnsafePointer<Float>], rows: Int, widths: [Int], accumulate: Bool
  ) {
    let width = widths.reduce(0, +)
    var offset = 0
    for (dPart, partWidth) in zip(dParts, widths) {
      for row in 0..<rows {
        let (source, destination) = (dPart + row * partWidth, dx + row * width + offset)
        if accumulate {
          for j in 0..<partWidth { destination[j] += source[j] }
        } else {
          destination.update(from: source, count: partWidth)
        }
      }
      offset += partWidth
    }
  }
}
