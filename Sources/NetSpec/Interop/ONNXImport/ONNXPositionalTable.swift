import NetSpecKernels
import ONNXProto

/// A position table cut to the sequence length: `Slice(table, [0], [T], [0])`
/// of a constant `[max_length, D]` table to a symbolic `T` (NetSpec's
/// `positional_encoding` export for a sequence of symbolic length), then
/// `Add` to `x` `[N, T, D]`: `positional_encoding` with that `max_length`,
/// sinusoidal when the table is NetSpec's sine/cosine table, else learned
/// (the table its weight).
extension ONNXTranslator {
  /// The first rows of `table` when `bounds` (starts, ends, axes, steps) cut
  /// it along its first axis from 0 to a symbolic size; nil otherwise.
  static func leadingRows(_ table: ONNXConstant, _ bounds: [ONNXConstant?]) -> ONNXBinding? {
    guard table.shape.count == 2, table.floats != nil, bounds.count >= 2, bounds[0]?.staticInts == [0],
      let ends = bounds[1]?.ints, ends.count == 1, !ends[0].isStatic,
      bounds.count < 3 || bounds[2] == nil || bounds[2]?.staticInts == [0],
      bounds.count < 4 || bounds[3] == nil || bounds[3]?.staticInts == [1]
    else { return nil }
    return .leadingRows(table, ends[0])
  }

  /// `Add` of `x` `[N, T, D]` and the first `T` rows of a `[max_length, D]`
  /// table: a `positional_encoding` layer.
  mutating func positionalEncoding(_ node: Onnx_NodeProto, _ x: ImportedTensor, _ table: ONNXConstant, rows: Dim)
    throws(NodeFailure)
  {
    let (length, width) = (table.shape[0], table.shape[1])
    guard x.shape.count == 3, x.shape[1] == rows, x.shape[2] == Dim(width), let values = table.floats else {
      throw NodeFailure(
        "`Add` of a table cut to a symbolic length to a tensor other than [N, T, its width]",
        help: "NetSpec adds position tables with `positional_encoding` to [N, T, D] sequences")
    }
    let source = try materialize(x, for: node)
    var attributes: [(name: String, value: SpecValue.Kind)] = [("max_length", .int(length))]
    var weights: [String: ([Int], [Float])] = [:]
    if !Self.isSinusoidal(values, length: length, width: width) {
      attributes.insert(("kind", .string("learned")), at: 0)
      weights["weight"] = ([length, width], values)
    }
    bindLayer(node, try addLayer("positional_encoding", for: node, attributes, inputs: [source], weights: weights))
  }

  /// Whether `values` `[length, width]` is NetSpec's sinusoidal table (``EmbeddingKernels/sinusoid(row:step:width:)``).
  static func isSinusoidal(_ values: [Float], length: Int, width: Int) -> Bool {
    guard width % 2 == 0 else { return false }
    var row = [Float](repeating: 0, count: width)
    for step in 0..<length {
      row.withUnsafeMutableBufferPointer { EmbeddingKernels.sinusoid(row: $0.baseAddress!, step: step, width: width) }
      for i in 0..<width where abs(values[step * width + i] - row[i]) > 1e-6 { return false }
    }
    return true
  }
}
