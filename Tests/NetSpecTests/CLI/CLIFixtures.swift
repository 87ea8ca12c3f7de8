import Foundation

/// Specs, data and weights the command-line tests share, written once per
/// test run; the weights come from a real `netspec train`.
enum CLIFixtures {
  /// A classifier of 4 features into 3 classes, trained one epoch on 9 rows.
  static let tiny = """
    netspec: 1
    name: tiny
    vars: {width: 3}
    inputs: {x: [N, 4]}
    layers:
      - dense: {units: $width, name: logits}
    train: {loss: cross_entropy, optimizer: {adam: {lr: 0.01}}, epochs: 1, batch_size: 4}
    data:
      train: {csv: train.csv, label: last}
    """

  static let trainCSV = (0..<9).map { "\($0),\($0 % 2),\($0 % 3),1,\($0 % 3)" }.joined(separator: "\n") + "\n"

  /// A learned position table of 4 rows, fed sequences of 6 tokens by its data.
  static let positions = """
    netspec: 1
    inputs: {tokens: {shape: [N, T], dtype: int32}}
    layers:
      - embedding: {vocab: 10, dim: 4}
      - positional_encoding: {kind: learned, max_length: 4}
      - dense: 10
    train: {loss: cross_entropy, optimizer: sgd, epochs: 1, batch_size: 8}
    data:
      train: {synthetic: {task: copy, samples: 16, length: 6, vocab: 10}}
    """

  /// Token ids for an embedding of 5 ids: the data holds 9.
  static let tokens = """
    netspec: 1
    inputs: {ids: {shape: [N, 3], dtype: int32}}
    layers:
      - embedding: {vocab: 5, dim: 2}
      - flatten
      - dense: 2
    train: {loss: cross_entropy, optimizer: sgd, epochs: 1}
    data:
      train: {csv: ids.csv, label: last}
    """

  /// The shared folder: specs, data, and `run/weights.safetensors` of `tiny.yaml`.
  static let folder: Result<CLIFolder, Error> = Result {
    let folder = try CLIFolder()
    try folder.write("tiny.yaml", tiny)
    try folder.write("train.csv", trainCSV)
    try folder.write("samples.csv", "1,0,1,1\n2,1,2,1\n")
    try folder.write("wide.csv", "1,0,1,1,5,6\n")
    try folder.write("other.yaml", tiny.replacingOccurrences(of: "width: 3", with: "width: 5"))
    try folder.write("bad.yaml", tiny.replacingOccurrences(of: "- dense:", with: "- dense2:"))
    try folder.write(
      "lint.yaml", tiny.replacingOccurrences(of: "name: logits}", with: "name: logits}\n  - dropout: 0.5"))
    try folder.write("positions.yaml", positions)
    try folder.write("tokens.yaml", tokens)
    try folder.write("ids.csv", "0,1,2,0\n4,9,1,1\n")
    try folder.write("garbage.safetensors", bytes: (0..<256).map { UInt8(($0 * 37) & 0xFF) })
    try folder.write("empty.safetensors", "")
    try FileManager.default.createDirectory(
      at: folder.url.appendingPathComponent("folder.yaml"), withIntermediateDirectories: true)
    let trained = try folder.run("train", "tiny.yaml", "-o", "run")
    guard trained.status == 0 else { throw CLIError("training the fixture failed: \(trained)") }
    return folder
  }

  static let weights = "run/weights.safetensors"
}
