import Foundation
import NetSpecDiagnostics

@testable import NetSpec

/// Golden cases of data sources feeding several inputs and of per-pixel
/// targets: `netspec train $TMPDIR/two.yaml` on the two-input fixture
/// (``SeveralInputsFixture``) with one mistake in its data section or files,
/// reported when the spec is checked or when the data is read.
extension GoldenGeneratedCase {
  /// Every generated case: ``all`` and the data cases below.
  static var every: [GoldenGeneratedCase] { all + data }

  static let data: [GoldenGeneratedCase] = [
    // An input file with fewer samples than the labels.
    training("NS0502-input-file-rows", source: "{npy: {inputs: {extra: x.npy, tokens: few.npy}, labels: y.npy}}"),
    // An input file whose samples have the wrong shape.
    training("NS0305-input-file-shape", source: "{npy: {inputs: {extra: wide.npy, tokens: ids.npy}, labels: y.npy}}"),
    // Fractional values for an int32 input.
    training("NS0502-input-file-not-ids", source: "{npy: {inputs: {extra: x.npy, tokens: halves.npy}, labels: y.npy}}"),
    // No file for the model input `extra`.
    training("NS0202-input-file-missing", source: "{npy: {inputs: {tokens: ids.npy}, labels: y.npy}}"),
    // A file for an input the model does not have.
    training(
      "NS0212-input-file-unknown",
      source: "{npy: {inputs: {extra: x.npy, tokens: ids.npy, mask: x.npy}, labels: y.npy}}"),
    // `reshape` on a source feeding several inputs.
    training(
      "NS0502-several-inputs-reshape",
      source: "{npy: {inputs: {extra: x.npy, tokens: ids.npy}, labels: y.npy}, reshape: [5]}"),
    // One `scale` factor for a source feeding several inputs: it must name them.
    training(
      "NS0502-several-inputs-plain-scale",
      source: "{npy: {inputs: {extra: x.npy, tokens: ids.npy}, labels: y.npy}, scale: 0.5}"),
    // A per-input `scale` naming an input the source does not feed.
    training(
      "NS0212-several-inputs-scale-unknown",
      source: "{npy: {inputs: {extra: x.npy, tokens: ids.npy}, labels: y.npy}, scale: {extar: 0.5}}"),
    // Standardizing the int32 token ids.
    training(
      "NS0502-several-inputs-standardize-ids",
      source: "{npy: {inputs: {extra: x.npy, tokens: ids.npy}, labels: y.npy}, standardize: [extra, tokens]}"),
    // A test set in the one-input form for a training source feeding several inputs.
    training("NS0502-several-inputs-test", extra: "  test: {npy: {inputs: x.npy, labels: y.npy}, input: extra}"),
    // An augmentation of samples feeding several inputs.
    training("NS0502-several-inputs-augment", extra: "  augment: [{gaussian_noise: 0.1}]"),
    // A CSV column group naming a column the file does not have.
    training(
      "NS0502-input-columns-unknown",
      source: "{csv: table.csv, columns: {tokens: [t0, t1, t2], extra: [x0, x9]}, label: y}"),
    // An augmentation that flips images but not their masks.
    GoldenGeneratedCase(name: "NS0502-augment-moves-mask") {
      try loading(
        """
        netspec: 1
        name: masks
        inputs:
          image: [N, 1, 8, 8]
        layers:
          - conv2d: {filters: 1, kernel: 3, padding: 1, name: mask}
        train: {loss: mse, optimizer: adam}
        data:
          train: {synthetic: {task: shapes, samples: 4, size: 8, classes: 2}}
          augment: [horizontal_flip]

        """, files: false)
    },
    // `length` on the `shapes` task, whose images are `size` pixels square.
    GoldenGeneratedCase(name: "NS0201-shapes-length") {
      Golden.check(
        """
        netspec: 1
        name: masks
        inputs:
          image: [N, 1, 8, 8]
        layers:
          - conv2d: {filters: 1, kernel: 3, padding: 1, name: mask}
        train: {loss: mse, optimizer: adam}
        data:
          train: {synthetic: {task: shapes, samples: 4, size: 8, length: 8}}

        """, as: "NS0201-shapes-length")
    },
  ]

  /// The two-input fixture with `source` as `data.train` (and `extra` lines
  /// appended to `data:`), checked and its data loaded.
  private static func training(_ name: String, source: String? = nil, extra: String = "") -> GoldenGeneratedCase {
    GoldenGeneratedCase(name: name) {
      try loading(SeveralInputsFixture.spec(source: source, extra: extra), files: true)
    }
  }

  /// Checks `spec` (written as `$TMPDIR/two.yaml`, beside the fixture's files
  /// and some faulty ones when `files`) and, when it checks, loads its data.
  private static func loading(_ spec: String, files: Bool) throws -> GoldenOutcome {
    let folder = try Golden.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    if files {
      try SeveralInputsFixture.write(into: folder)
      let (tokens, x, labels) = SeveralInputsFixture.values()
      let n = SeveralInputsFixture.samples
      try NPYWriting.write(Array(tokens.prefix(30)), shape: [10, 3], to: folder.appendingPathComponent("few.npy").path)
      try NPYWriting.write(
        Array(repeating: 0.5, count: n * 3), shape: [n, 3], to: folder.appendingPathComponent("wide.npy").path)
      try NPYWriting.write(
        tokens.map { $0 + 0.5 }, shape: [n, 3], to: folder.appendingPathComponent("halves.npy").path)
      var rows = ["t0,t1,t2,x0,x1,y"]
      for i in 0..<n {
        rows.append(
          (tokens[(3 * i)..<(3 * i + 3)] + x[(2 * i)..<(2 * i + 2)] + [labels[i]]).map { "\($0)" }.joined(
            separator: ","))
      }
      try (rows.joined(separator: "\n") + "\n").write(
        to: folder.appendingPathComponent("table.csv"), atomically: true, encoding: .utf8)
    }
    let path = folder.appendingPathComponent("two.yaml").path
    try spec.write(toFile: path, atomically: true, encoding: .utf8)
    var bag = DiagnosticBag()
    if let checked = Frontend.load(path: path, &bag), let data = checked.document.data {
      _ = DataPipeline.load(data, for: checked.graph, seed: 0, &bag)
    }
    return GoldenOutcome(diagnostics: bag.sorted, replacements: [(folder.path, "$TMPDIR")])
  }
}
