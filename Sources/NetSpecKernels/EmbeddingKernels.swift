#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Table lookups: token embeddings (ids stored as floats) and positional
/// encodings added to `[batch, steps, width]` sequences.
public enum EmbeddingKernels {
  /// The table row of an id stored as a float; ids outside `0..<vocab` are a data
  /// error that must not read or write outside the table.
  @inline(__always)
  static func row(_ id: Float, vocab: Int) -> Int {
    precondition(id >= 0 && id < Float(vocab), "token id \(id) is outside 0..<\(vocab)")
    return Int(id)
  }

  /// `y[r] = multiplier * weight[ids[r]]` for `count` ids, rows of `dim` floats.
  public static func lookup(
    y: UnsafeMutablePointer<Float>, ids: UnsafePointer<Float>, weight: UnsafePointer<Float>, count: Int, vocab: Int,
    dim: Int, multiplier: Float
  ) {
    for r in 0..<count {
      let (source, destination) = (weight + row(ids[r], vocab: vocab) * dim, y + r * dim)
      for j in 0..<dim { destination[j] = multiplier * source[j] }
    }
  }

  /// Scatter-adds `multiplier * dy[r]` into row `ids[r]` of `dWeight`, after
  /// zeroing the whole table gradient unless `accumulate` is set.
  public static func lookupBackward(
    dWeight: UnsafeMutablePointer<Float>, ids: UnsafePointer<Float>, dy: UnsafePointer<Float>, count: Int, vocab: Int,
    dim: Int, multiplier: Float, accumulate: Bool
  ) {
    if !accumulate { dWeight.update(repeating: 0, count: vocab * dim) }
    for r in 0..<count {
      let (destination, source) = (dWeight + row(ids[r], vocab: vocab) * dim, dy + r * dim)
      for j in 0..<dim { destination[j] += multiplier * source[j] }
    }
  }

  /// Row `step` of the Transformer's table: `PE[2i] = sin(step / 10000^(2i / width))`,
  /// `PE[2i + 1] = cos(...)` (computed in double precision, then rounded).
  public static func sinusoid(row: UnsafeMutablePointer<Float>, step: Int, width: Int) {
    for i in 0..<(width / 2) {
      let angle = Double(step) * exp(-log(10_000.0) * Double(2 * i) / Double(width))
      row[2 * i] = Float(sin(angle))
      row[2 * i + 1] = Float(cos(angle))
    }
  }

  /// `y[n, t] = x[n, t] + PE[t]`, with `PE` the rows of `table`, or when it is
  /// nil the sinusoidal rows, computed one at a time into `workspace` (`width` floats).
  public static func addPositions(
    y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, table: UnsafePointer<Float>?,
    workspace: UnsafeMutablePointer<Float>?, batch: Int, steps: Int, width: Int
  ) {
    for t in 0..<steps {
      let position: UnsafePointer<Float>
      if let table {
        position = table + t * width
      } else {
        sinusoid(row: workspace!, step: t, width: width)
        position = UnsafePointer(workspace!)
      }
      for n in 0..<batch {
        let offset = (n * steps + t) * width
        let (x, y) = (x + offset, y + offset)
        for j in 0..<width { y[j] = x[j] + position[j] }
      }
    }
  }

  /// The learned table's gradient: row `t` receives the sum over the batch of
  /// `dy[n, t]`; the table has `rows` rows (those past the sequence get none)
  /// and is zeroed first unless `accumulate` is set.
  public static func addPositionsBackward(
    dTable: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, batch: Int, steps: Int, width: Int, rows: Int,
    accumulate: Bool
  ) {
    if !accumulate { dTable.update(repeating: 0, count: rows * width) }
    for n in 0..<batch {
      for t in 0..<steps {
        let (row, source) = (dTable + t * width, dy + (n * steps + t) * width)
        for j in 0..<width { row[j] += source[j] }
      }
    }
  }
}
