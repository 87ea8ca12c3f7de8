import Foundation

/// A model's outputs for a set of samples, and how to read them.
public struct Predictions: Sendable {
  /// What the outputs mean, decided by the loss the model trains with.
  public enum Kind: Sendable, Equatable {
    /// Logits over `classes` classes (cross-entropy), at every position of
    /// a sequence output.
    case classes(Int)
    /// Logits of independent yes/no labels (binary cross-entropy).
    case binary
    /// Values (regression, or a model without a loss).
    case values
  }

  public var kind: Kind
  /// The number of samples.
  public var count: Int
  /// Output values per sample.
  public var perSample: Int
  /// The raw outputs (logits for classes and binary), sample after sample.
  public var outputs: [Float]
  /// The shape of one sample's outputs (`perSample` values).
  public var sampleShape: [Int]

  /// - Parameter sampleShape: One sample's output shape; by default `[perSample]`.
  public init(kind: Kind, count: Int, perSample: Int, outputs: [Float], sampleShape: [Int]? = nil) {
    self.kind = kind
    self.count = count
    self.perSample = perSample
    self.outputs = outputs
    self.sampleShape = sampleShape ?? [perSample]
  }

  /// The outputs of `sample`.
  public func outputs(of sample: Int) -> ArraySlice<Float> {
    outputs[(sample * perSample)..<((sample + 1) * perSample)]
  }

  /// The most likely class and its softmax probability at each position of
  /// `sample` (for ``Kind/classes(_:)``).
  public func classes(of sample: Int) -> [(index: Int, probability: Float)] {
    guard case .classes(let k) = kind, k > 0 else { return [] }
    let logits = outputs(of: sample)
    return stride(from: logits.startIndex, to: logits.endIndex, by: k).map { start in
      let row = logits[start..<(start + k)]
      let best = row.indices.max { row[$0] < row[$1] }!
      let total = row.reduce(Float(0)) { $0 + Foundation.exp($1 - row[best]) }
      return (best - start, 1 / total)
    }
  }

  /// CSV lines, a header first: `sample,class,probability` for classes
  /// (`sample,classes` with space-separated classes for sequences),
  /// `sample,probability,label` (one column pair per label) for binary
  /// outputs, `sample,value` (`value_0,value_1,...`) for values.
  ///
  /// - Parameter classNames: Names of the class indices; printed instead of
  ///   the indices when there is one per class.
  public func csvLines(classNames: [String]? = nil) -> [String] {
    var lines: [String] = []
    func numbered(_ name: String) -> [String] {
      perSample == 1 ? [name] : (0..<perSample).map { "\(name)_\($0)" }
    }
    switch kind {
    case .classes(let k):
      let sequence = perSample > k
      let names = classNames?.count == k ? classNames : nil
      func label(_ index: Int) -> String { names.map { Self.csvField($0[index]) } ?? String(index) }
      lines.append(sequence ? "sample,classes" : "sample,class,probability")
      for sample in 0..<count {
        let best = classes(of: sample)
        lines.append(
          sequence
            ? "\(sample),\(best.map { label($0.index) }.joined(separator: " "))"
            : "\(sample),\(label(best[0].index)),\(Self.format(best[0].probability))")
      }
    case .binary:
      lines.append(
        (["sample"] + zip(numbered("probability"), numbered("label")).flatMap { [$0, $1] }).joined(separator: ","))
      for sample in 0..<count {
        let cells = outputs(of: sample).flatMap { logit -> [String] in
          let probability = 1 / (1 + Foundation.exp(-logit))
          return [Self.format(probability), probability >= 0.5 ? "1" : "0"]
        }
        lines.append((["\(sample)"] + cells).joined(separator: ","))
      }
    case .values:
      lines.append((["sample"] + numbered("value")).joined(separator: ","))
      for sample in 0..<count {
        lines.append((["\(sample)"] + outputs(of: sample).map { Self.format($0) }).joined(separator: ","))
      }
    }
    return lines
  }

  private static func format(_ value: Float) -> String { String(format: "%.6g", Double(value)) }

  /// `text` as one CSV field: quoted (with quotes doubled) when it holds a
  /// comma, quote, space or line break.
  public static func csvField(_ text: String) -> String {
    guard text.contains(where: { ",\"\n\r ".contains($0) }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}
