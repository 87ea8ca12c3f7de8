extension ONNXNodeContext {
  /// Reshapes `input` (of type `from`) to the shape of `to`, whose symbolic
  /// dims (`N`, `T`) are taken from the input at run time: a dim equal to the
  /// input's dim at the same axis is ONNX's `0` (copy), one found at another
  /// axis is read with `Shape`, and at most one other dim is `-1` (inferred).
  func reshape(_ input: String, from: TensorType, to: TensorType, output: String) throws(ONNXUnsupported) {
    var pieces: [String] = []
    var literal: [Int] = []
    var inferred = false
    func flush() {
      guard !literal.isEmpty else { return }
      pieces.append(int64s("shape", literal))
      literal = []
    }
    for (axis, dim) in to.shape.enumerated() {
      if let size = dim.staticValue {
        literal.append(size)
      } else if axis < from.rank, from.shape[axis] == dim {
        literal.append(0)
      } else if let source = from.shape.firstIndex(of: dim) {
        flush()
        let piece = temporary("dim\(axis)")
        add("Shape", [input], [piece], [.int("start", source), .int("end", source + 1)])
        pieces.append(piece)
      } else if !inferred {
        inferred = true
        literal.append(-1)
      } else {
        throw ONNXUnsupported(
          "the reshape from \(from.shape.shapeDescription) to \(to.shape.shapeDescription) has more than one size computed at run time",
          help: "give the target shape at most one symbolic size that is not an input dim")
      }
    }
    flush()
    let shape: String
    if pieces.count == 1 {
      shape = pieces[0]
    } else {
      shape = temporary("shape")
      add("Concat", pieces, [shape], [.int("axis", 0)])
    }
    add("Reshape", [input, shape], [output])
  }

  /// The size of `input`'s axis `axis` at run time, as an int64 `[1]` tensor.
  func dimension(_ input: String, axis: Int) -> String {
    let size = temporary("dim\(axis)")
    add("Shape", [input], [size], [.int("start", axis), .int("end", axis + 1)])
    return size
  }
}
