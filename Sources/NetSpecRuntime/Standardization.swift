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

  /// The statistics stored in checkpoint `metadata` for samples of
  /// `features` values: `.success(nil)` when there are none, or a failure
  /// saying exactly what is wrong with them (a key without the other, a
  /// value that is not a number, the wrong count, a mean that is not finite,
  /// a standard deviation that is not a positive, finite, normal number),
  /// since dividing by such a deviation gives NaN or infinite inputs.
  public static func stored(
    in metadata: [String: String], features: Int
  ) -> Result<Standardization?, StoredStatisticsError> {
    func fail(_ reason: String) -> Result<Standardization?, StoredStatisticsError> {
      .failure(StoredStatisticsError(reason: reason))
    }
    switch (metadata[meanKey], metadata[standardDeviationKey]) {
    case (nil, nil): return .success(nil)
    case (nil, _): return fail("`\(standardDeviationKey)` is stored without `\(meanKey)`")
    case (_, nil): return fail("`\(meanKey)` is stored without `\(standardDeviationKey)`")
    case (let meanText?, let deviationText?):
      var columns: [[Float]] = []
      for (key, text) in [(meanKey, meanText), (standardDeviationKey, deviationText)] {
        let fields = text.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == features else {
          return fail("`\(key)` holds \(fields.count) values, but the samples have \(features)")
        }
        var values: [Float] = []
        for (index, field) in fields.enumerated() {
          guard let value = Float(field), value.isFinite else {
            return fail("`\(key)` value \(index) is `\(field.prefix(40))`, not a finite number")
          }
          values.append(value)
        }
        columns.append(values)
      }
      if let index = columns[1].firstIndex(where: { !($0 > 0 && $0.isNormal) }) {
        return fail(
          "`\(standardDeviationKey)` value \(index) is \(columns[1][index]); a standard deviation must be "
            + "a positive, normal number")
      }
      return .success(Standardization(mean: columns[0], standardDeviation: columns[1]))
    }
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

/// Why the standardization statistics stored with weights cannot be used.
public struct StoredStatisticsError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What is wrong, e.g. "`standardize.std` value 2 is 0.0; a standard
  /// deviation must be a positive, normal number".
  public var reason: String

  /// An error with `reason`.
  public init(reason: String) { self.reason = reason }

  public var description: String { reason }
}
