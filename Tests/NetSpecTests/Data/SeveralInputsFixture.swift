import Foundation

@testable import NetSpec

/// A two-input task for the tests of sources feeding several inputs: int32
/// `tokens` [N, 3] (ids 0...4) and float32 `extra` [N, 2], one NPY file each
/// (named in the other order than the model declares them), and labels that
/// need both: 1 when `extra[0] > 0` agrees with `tokens[0] >= 2`.
enum SeveralInputsFixture {
  static let samples = 96

  /// The spec; `source` replaces the data source (`{npy: ...}` by default).
  static func spec(source: String? = nil, extra: String = "") -> String {
    """
    netspec: 1
    name: two_inputs
    inputs:
      tokens: {shape: [N, 3], dtype: int32}
      extra: [N, 2]
    layers:
      - embedding: {vocab: 5, dim: 4, from: tokens}
      - flatten: {name: flat}
      - concat: {from: [flat, extra]}
      - dense: {units: 16, activation: relu}
      - dense: {units: 2, name: logits}
    train: {loss: cross_entropy, optimizer: {adam: {lr: 0.02}}, epochs: 8, batch_size: 16, seed: 5}
    data:
      train: \(source ?? "{npy: {inputs: {extra: x.npy, tokens: ids.npy}, labels: y.npy}}")
      split: {validation: 0.25}
    \(extra)
    """
  }

  /// The token ids, extra values and labels, sample by sample.
  static func values() -> (tokens: [Float], extra: [Float], labels: [Float]) {
    var random = RandomGenerator(seed: 17)
    var (tokens, extra, labels) = ([Float](), [Float](), [Float]())
    for _ in 0..<samples {
      let ids = (0..<3).map { _ in Float(random.nextInt(below: 5)) }
      let x = (0..<2).map { _ in 2 * random.nextFloat() - 1 }
      tokens += ids
      extra += x
      labels.append((x[0] > 0) == (ids[0] >= 2) ? 1 : 0)
    }
    return (tokens, extra, labels)
  }

  /// Writes `ids.npy`, `x.npy`, `y.npy` and the spec `two.yaml` into
  /// `folder`; returns the spec's path.
  @discardableResult
  static func write(into folder: URL, source: String? = nil, extra: String = "") throws -> String {
    let (tokens, x, labels) = values()
    try NPYWriting.write(tokens, shape: [samples, 3], to: folder.appendingPathComponent("ids.npy").path)
    try NPYWriting.write(x, shape: [samples, 2], to: folder.appendingPathComponent("x.npy").path)
    try NPYWriting.write(labels, shape: [samples], to: folder.appendingPathComponent("y.npy").path)
    let path = folder.appendingPathComponent("two.yaml").path
    try spec(source: source, extra: extra).write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }
}
