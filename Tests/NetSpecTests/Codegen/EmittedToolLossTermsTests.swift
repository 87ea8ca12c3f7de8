import Foundation
import NetSpecDiagnostics
import NetSpecRuntime
import Testing

@testable import NetSpec

/// The tool of a package emitted for an autoencoder whose loss has two terms
/// (binary cross-entropy against the input itself, and a KL term): the
/// package holds no labels, training reaches the weights `netspec train`
/// reaches, and the progress lines and `eval` report each term with the
/// values the interpreter measures.
@Suite struct EmittedToolLossTermsTests {
  static let spec = """
    netspec: 1
    name: tiny_vae
    inputs: {x: [N, 9]}
    layers:
      - dense: {units: 6, activation: relu, name: hidden}
      - dense: {units: 2, name: mu}
      - dense: {units: 2, from: hidden, name: logvar}
      - gaussian_sample: {from: [mu, logvar], name: z}
      - dense: {units: 9, name: logits}
    train:
      loss:
        - {binary_cross_entropy: {from: logits, target: x, weight: 9, name: reconstruction}}
        - {kl_divergence: {from: [mu, logvar], name: kl}}
      optimizer: {adam: {lr: 0.01}}
      batch_size: 8
      epochs: 2
      seed: 4
    data:
      train: {csv: data.csv, label: last, scale: 1/15}
      split: {validation: 0.25}
    """

  @Test func theToolReportsEachTerm() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netspec-tool-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var random = RandomGenerator(seed: 9)
    let rows = (0..<40).map { sample in
      ((0..<9).map { _ in String(random.nextInt(below: 16)) } + [String(sample % 2)]).joined(separator: ",")
    }
    try (rows.joined(separator: "\n") + "\n").write(
      to: directory.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8)
    let (spec, data) = try InlineSpec.load(
      Self.spec, path: directory.appendingPathComponent("tiny_vae.yaml").path, seed: 4)
    let binary = try EmittedToolTests.compileTool(
      spec, data: data, capacity: 8, sourceName: "tiny_vae.yaml", typeName: "TinyVae", in: directory)
    let package = directory.appendingPathComponent("package").path
    let targets = try FileManager.default.subpathsOfDirectory(atPath: package).filter { $0.hasSuffix("targets.f32") }
    #expect(!targets.isEmpty, "the package has label files")
    for file in targets {
      let size = try FileManager.default.attributesOfItem(atPath: "\(package)/\(file)")[.size] as? Int
      #expect(size == 0, "\(file) holds no labels")
    }

    let trained = try EmittedToolTests.run([binary, "train", "-o", "run"], in: directory)
    let epochs = trained.split(separator: "\n").filter { $0.hasPrefix("epoch") }
    #expect(epochs.count == 2, "\(trained)")
    for line in epochs {
      #expect(line.contains(" loss_kl ") && line.contains(" loss_reconstruction "), "\(line)")
      #expect(line.contains(" val_loss_kl ") && line.contains(" val_loss_reconstruction "), "\(line)")
    }
    let trainer = try Trainer(spec: spec, data: data, epochs: 2)
    _ = try trainer.run(observe: { _ in })
    let weights = directory.appendingPathComponent("run/weights.safetensors").path
    let emitted = try SafetensorsFile(contentsOf: weights)
    try EmittedToolTests.expectWeights(emitted, equal: trainer)
    // `eval` prints each term's mean, as the interpreter measures it.
    let evaluated = try EmittedToolTests.run([binary, "eval", "--weights", weights], in: directory)
    let validation = try #require(data.validation)
    let terms = trainer.evaluate(validation).terms
    let line = try #require(evaluated.split(separator: "\n").first { $0.hasPrefix("validation:") }, "\(evaluated)")
    let words = line.split(separator: " ").map(String.init)
    for name in ["loss_kl", "loss_reconstruction"] {
      let index = try #require(words.firstIndex(of: name), "\(line)")
      let printed = try #require(Double(words[index + 1]), "\(line)")
      let expected = try #require(terms[name])
      #expect(abs(printed - expected) <= 1e-3 * max(1, abs(expected)), "\(name): \(printed) vs \(expected)")
    }
  }
}
