import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// `netspec export --format pytorch` without Python: every op maps to torch,
/// model.py and train.py of a couple of specs are pinned by golden files, and
/// what has no PyTorch form is a diagnostic. The numerics against the
/// interpreter and the torchrun run are Tests/Interop/test_pytorch_export.py.
@Suite struct PyTorchExportTests {
  static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("PyTorch")

  /// Every op of the registry declares its PyTorch form (its own extension).
  @Test func everyOpIsTorchExportable() {
    for type in OpRegistry.all {
      #expect(type is any TorchExportable.Type, "`\(type.schema.name)` has no TorchExportable extension")
    }
  }

  /// Exports `path` with `--set` overrides, data paths recorded relative to `specs`.
  static func export(_ path: String, _ overrides: [String: SpecValue.Kind] = [:]) throws -> [String: String] {
    var options = FrontendOptions()
    options.overrides = overrides
    options.checksExpectations = overrides.isEmpty
    var bag = DiagnosticBag()
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../..")
      .standardizedFileURL
    let spec = try #require(Frontend.load(path: root.appendingPathComponent(path).path, options: options, &bag))
    let files = try #require(PyTorchExport.project(spec, dataDirectory: "specs", &bag), "\(bag.diagnostics)")
    #expect(bag.diagnostics.isEmpty)
    return files
  }

  static func compare(_ text: String?, golden name: String) throws {
    let url = golden.appendingPathComponent(name)
    let text = try #require(text)
    if ProcessInfo.processInfo.environment["NETSPEC_UPDATE_GOLDEN"] == "1" {
      try text.write(to: url, atomically: true, encoding: .utf8)
      return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    #expect(text == expected, "\(name) differs: NETSPEC_UPDATE_GOLDEN=1 swift test --filter PyTorchExportTests")
  }

  /// LeNet-5: convolutions with fused activations, pooling, dense layers, the
  /// data section with augmentation and early stopping.
  @Test func lenet5() throws {
    let files = try Self.export("specs/lenet5.yaml")
    try Self.compare(files["model.py"], golden: "lenet5.model.py")
    try Self.compare(files["train.py"], golden: "lenet5.train.py")
    #expect(files["README.md"]?.contains("torchrun --nproc_per_node") == true)
    #expect(files["requirements.txt"]?.contains("torch==") == true)
  }

  /// The VAE example, reduced: forward returns mu and logvar for the KL
  /// term, model.py writes the terms as `loss_terms` (the input detached as
  /// the reconstruction's target) with `LOSS_WEIGHTS`, and train.py's
  /// `objective` sums them and logs each.
  @Test func vae() throws {
    let files = try Self.export("Examples/vae_mnist.yaml", ["hidden": .int(16), "latent": .int(4)])
    try Self.compare(files["model.py"], golden: "vae_mnist.model.py")
    try Self.compare(files["train.py"], golden: "vae_mnist.train.py")
  }

  /// A small Transformer: blocks and repeats as ModuleDicts, tied embeddings,
  /// attention, sinusoidal positions, sequence cross-entropy with smoothing.
  @Test func transformer() throws {
    let files = try Self.export(
      "specs/transformer.yaml",
      ["vocab": .int(20), "d_model": .int(8), "heads": .int(2), "d_ff": .int(16), "layers": .int(2)])
    try Self.compare(files["model.py"], golden: "transformer.model.py")
    #expect(files["train.py"]?.contains("DATA = None") == true)
  }

  /// A name PyTorch reserves is an error at the layer; nothing is exported.
  @Test func reservedLayerNameIsAnError() throws {
    let text = "netspec: 1\nname: m\ninputs:\n  x: [N, 4]\nlayers:\n  - dense: {units: 2, name: eval}\n"
    var bag = DiagnosticBag()
    let spec = try #require(Frontend.check(SourceFile(path: "m.yaml", text: text), &bag))
    #expect(PyTorchExport.project(spec, dataDirectory: ".", &bag) == nil)
    let diagnostic = try #require(bag.diagnostics.first)
    #expect(diagnostic.code == .noPyTorchForm && diagnostic.severity == .error)
    #expect(diagnostic.span?.start.line == 6)
  }

  /// The initial weights are the interpreter's, parameter by parameter.
  @Test func initialTensorsAreTheInterpreters() throws {
    var bag = DiagnosticBag()
    let text = "netspec: 1\nname: m\ninputs:\n  x: [N, 4]\nlayers:\n  - dense: 3\n  - batchnorm\n  - dense: 2\n"
    let spec = try #require(Frontend.check(SourceFile(path: "m.yaml", text: text), &bag))
    let plan = try Planner.plan(spec.graph, capacity: 1, training: false)
    let interpreter = Interpreter(plan: plan, seed: 7)
    let exported = PyTorchExport.initialTensors(of: spec.graph, seed: 7)
    #expect(exported.map(\.name) == spec.graph.parameters.map(\.name))
    for (id, tensor) in exported.enumerated() {
      #expect(tensor.values == Array(interpreter.parameter(id)), "\(tensor.name)")
    }
  }

  @Test func classNames() {
    #expect(PyTorchExport.className("sort_transformer") == "SortTransformer")
    #expect(PyTorchExport.className("attention") == "AttentionModel")
    #expect(PyTorchExport.className("3d") == "M3dModel")
  }
}
