/// Per-feature z-scoring, `(x − mean) / std`, with statistics taken from the
/// training split; kept with the prepared data so prediction can transform
/// new samples the same way.
public struct Standardization: Sendable, Hashable {
  /// The mean of each feature (each value position of a sample).
  public var mean: [Float]
  /// The population standard deviation of each feature; 1 for features that
  /// are constant in the training split (within float32 precision), which
  /// therefore become 0.
  public var standardDeviation: [Float]

  public init(mean: [Float], standardDeviation: [Float]) {
    self.mean = mean
    self.standardDeviation = standardDeviation
  }

  /// The statistics of `dataset`'s inputs, in double precision (two passes:
  /// the means, then the squared deviations from them).
  public init(fitting dataset: Dataset) {
    let stride = dataset.inputStride
    let n = Double(max(dataset.count, 1))
    var sum = [Double](repeating: 0, count: stride)
    for sample in 0..<dataset.count {
      for j in 0..<stride { sum[j] += Double(dataset.inputs[sample * stride + j]) }
    }
    let means = sum.map { $0 / n }
    var squares = [Double](repeating: 0, count: stride)
    for sample in 0..<dataset.count {
      for j in 0..<stride {
        let deviation = Double(dataset.inputs[sample * stride + j]) - means[j]
        squares[j] += deviation * deviation
      }
    }
    mean = means.map { Float($0) }
    standardDeviation = zip(squares, means).map { squares, mean in
      let deviation = (squares / n).squareRoot()
      // Constant within float32 precision: leave the (centered) feature unscaled.
      return deviation > 10 * Double(Float.ulpOfOne) * max(1, abs(mean)) ? Float(deviation) : 1
    }
  }

  /// The metadata keys a checkpoint stores the statistics under
  /// (comma-separated floats), so prediction can repeat them.
  public static let meanKey = "standardize.mean"
  /// See ``meanKey``.
  public static let standardDeviationKey = "standardize.std"

  /// The statistics as checkpoint metadata.
  public var metadata: [String: String] {
    [
      Self.meanKey: mean.map(\.description).joined(separator: ","),
      Self.standardDeviationKey: standardDeviation.map(\.description).joined(separator: ","),
    ]
  }

  /// The statistics stored in checkpoint `metadata`; nil when there are none
  /// (or they do not parse).
  public init?(metadata: [String: String]) {
    func floats(_ key: String) -> [Float]? {
      guard let text = metadata[key] else { return nil }
      let values = text.split(separator: ",").compactMap { Float($0) }
      return values.count == text.split(separator: ",").count ? values : nil
    }
    guard let mean = floats(Self.meanKey), let deviation = floats(Self.standardDeviationKey),
      mean.count == deviation.count
    else { return nil }
    self.init(mean: mean, standardDeviation: deviation)
  }

  /// Standardizes whole samples in place (`values.count` a multiple of the
  /// feature count).
  public func apply(to values: inout [Float]) {
    let stride = mean.count
    var start = 0
    while start + stride <= values.count {
      for j in 0..<stride { values[start + j] = (values[start + j] - mean[j]) / standardDeviation[j] }
      start += stride
    }
  }
}
