import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// `--init-from`: tensors matched to the model by name and shape, frozen
/// layers and running statistics included; the report; `strict`; values
/// that are not finite.
@Suite struct InitialWeightsTests {
  /// A frozen body, batchnorm with running statistics, and a head.
  static let spec = """
    netspec: 1
    inputs: {x: [N, 4]}
    layers:
      - dense: {units: 8, name: body, trainable: false}
      - batchnorm: {name: norm}
      - relu
      - dense: {units: 3, name: head}
    train: {loss: cross_entropy, optimizer: {adam: {lr: 0.05}}, epochs: 3, batch_size: 8}
    data:
      train: {csv: rows.csv, label: last}
    """

  /// Saved weights of a model whose head had 5 classes, with one more tensor.
  static let file = SafetensorsFile(tensors: [
    NamedTensor(name: "body.weight", shape: [8, 4], values: (0..<32).map { Float($0) / 64 }),
    NamedTensor(name: "body.bias", shape: [8], values: (0..<8).map { Float($0) / 10 }),
    NamedTensor(name: "norm.weight", shape: [8], values: Array(repeating: 1.5, count: 8)),
    NamedTensor(name: "norm.bias", shape: [8], values: Array(repeating: -0.25, count: 8)),
    NamedTensor(name: "norm.running_mean", shape: [8], values: Array(repeating: 0.75, count: 8)),
    NamedTensor(name: "norm.running_var", shape: [8], values: Array(repeating: 2, count: 8)),
    NamedTensor(name: "head.weight", shape: [5, 8], values: Array(repeating: 0.5, count: 40)),
    NamedTensor(name: "old_head.bias", shape: [5], values: Array(repeating: 0, count: 5)),
  ])

  static func trainer(in directory: TemporaryDirectory) throws -> Trainer {
    try ResumeTests.trainer(Self.spec, data: ("rows.csv", ResumeTests.rows), in: directory)
  }

  /// The interpreter's values of the parameter named `name`.
  static func values(_ trainer: Trainer, _ name: String) -> [Float] {
    let id = trainer.interpreter.plan.graph.parameters.firstIndex { $0.name == name }!
    return Array(trainer.interpreter.parameter(id))
  }

  @Test func matchingTensorsLoadAndTheReportSaysWhatHappenedToEachTensor() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("base.safetensors")
    try Self.file.write(to: path)
    let trainer = try Self.trainer(in: directory)
    let initialHead = Self.values(trainer, "head.weight")
    let report = try InitialWeights.load(path, into: trainer.interpreter, strict: false)
    #expect(
      report.loaded == [
        "body.bias", "body.weight", "norm.bias", "norm.running_mean", "norm.running_var", "norm.weight",
      ])
    #expect(
      report.skipped == [
        .shapeMismatch(name: "head.weight", file: [5, 8], model: [3, 8]),
        .notInModel(name: "old_head.bias", shape: [5]),
      ])
    #expect(report.leftInitialized == ["head.bias", "head.weight"])
    #expect(
      report.lines(path: "base.safetensors") == [
        "init-from base.safetensors: loaded 6, skipped 2, left initialized 2",
        "  loaded: body.bias, body.weight, norm.bias, norm.running_mean, norm.running_var, norm.weight",
        "  skipped head.weight: shape [5, 8] in the file, [3, 8] in the model",
        "  skipped old_head.bias [5]: the model has no tensor of this name",
        "  left initialized: head.bias, head.weight",
      ])
    for name in report.loaded { #expect(Self.values(trainer, name) == Self.file[name]!.values, "\(name)") }
    #expect(Self.values(trainer, "head.weight") == initialHead)
    // Training moves the head and the running statistics; the frozen body keeps the loaded values.
    _ = try trainer.run(observe: { _ in })
    #expect(Self.values(trainer, "body.weight") == Self.file["body.weight"]!.values)
    #expect(Self.values(trainer, "body.bias") == Self.file["body.bias"]!.values)
    #expect(Self.values(trainer, "norm.running_mean") != Self.file["norm.running_mean"]!.values)
    #expect(Self.values(trainer, "head.weight") != initialHead)
  }

  @Test func strictRequiresExactlyTheModelsTensorsAndLoadsNothingOtherwise() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("base.safetensors")
    try Self.file.write(to: path)
    let trainer = try Self.trainer(in: directory)
    let before = Self.values(trainer, "body.weight")
    let error = try #require(throws: SafetensorsError.self) {
      try InitialWeights.load(path, into: trainer.interpreter, strict: true)
    }
    #expect(error.description.contains("tensor \"head.weight\" has shape [5, 8], expected [3, 8]"), "\(error)")
    #expect(error.description.contains("missing tensor \"head.bias\""), "\(error)")
    #expect(error.description.contains("unexpected tensor \"old_head.bias\""), "\(error)")
    #expect(Self.values(trainer, "body.weight") == before)
    // The model's own tensors pass.
    try Checkpoint.write(trainer.interpreter, to: directory.path("own.safetensors"), metadata: [:])
    let own = try InitialWeights.load(directory.path("own.safetensors"), into: trainer.interpreter, strict: true)
    #expect(own.loaded.count == 6 + 2 && own.skipped.isEmpty && own.leftInitialized.isEmpty)
  }

  @Test func aNonFiniteValueOrNoMatchingTensorIsRefused() throws {
    let directory = try TemporaryDirectory()
    let trainer = try Self.trainer(in: directory)
    let nan = SafetensorsFile(
      tensors: Self.file.tensors.map { tensor in
        guard tensor.name == "norm.running_var" else { return tensor }
        var copy = tensor
        copy.values[3] = .nan
        return copy
      })
    try nan.write(to: directory.path("nan.safetensors"))
    let before = Self.values(trainer, "body.weight")
    let error = try #require(throws: SafetensorsError.self) {
      try InitialWeights.load(directory.path("nan.safetensors"), into: trainer.interpreter, strict: false)
    }
    guard case .nonFinite(let tensor, let index, let value) = error.problem else {
      Issue.record("expected a non-finite value, got \(error)")
      return
    }
    #expect(tensor == "norm.running_var" && index == 3 && value.isNaN)
    #expect(Self.values(trainer, "body.weight") == before)
    let unrelated = SafetensorsFile(tensors: [NamedTensor(name: "other.weight", shape: [2], values: [1, 2])])
    try unrelated.write(to: directory.path("unrelated.safetensors"))
    let none = try #require(throws: SafetensorsError.self) {
      try InitialWeights.load(directory.path("unrelated.safetensors"), into: trainer.interpreter, strict: false)
    }
    #expect(none.description.contains("weights do not match the model"), "\(none)")
  }
}
