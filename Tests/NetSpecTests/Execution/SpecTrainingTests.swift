import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// Every spec in `specs/` trains: shrunk through its `vars:` (as `--set` does) to
/// a size a debug build runs in a few seconds, planned for training and run by
/// the interpreter with the optimizer of its own `train:` section, a few steps on
/// one fixed batch of random data make the loss fall.
@Suite(.tags(.slow)) struct SpecTrainingTests {
  /// How one spec is shrunk and trained.
  struct Reduction: Sendable {
    /// `--set name=value` overrides of the spec's `vars:`.
    var overrides: [String]
    /// Values of the symbolic dimensions other than the batch `N`.
    var bindings: [String: Int] = [:]
    /// Samples in the one batch trained on.
    var batch = 4
    /// Optimizer steps taken.
    var steps = 8
  }

  /// The reduced size of every spec in `specs/`, by file name. AlexNet and
  /// VGG-16 (SGD at 0.01, momentum still building up, logits near zero at
  /// initialization) and the LSTM (Adam at 1e-3 with gradient clipping) learn
  /// more slowly than the others, so they take more steps.
  static let reductions: [String: Reduction] = [
    "mlp_digits.yaml": Reduction(overrides: []),
    "lenet5.yaml": Reduction(overrides: []),
    "alexnet.yaml": Reduction(overrides: ["size=64", "base=8", "hidden=64", "classes=10"], batch: 2, steps: 16),
    "vgg16.yaml": Reduction(overrides: ["size=32", "base=4", "hidden=64", "classes=10"], batch: 2, steps: 16),
    "resnet18.yaml": Reduction(overrides: ["size=16", "base=8", "classes=10"]),
    "resnet50.yaml": Reduction(overrides: ["size=16", "base=8", "classes=10"]),
    "lstm.yaml": Reduction(overrides: ["hidden=32"], bindings: ["T": 6], steps: 16),
    "transformer.yaml": Reduction(
      overrides: ["vocab=50", "d_model=32", "heads=4", "d_ff=64", "layers=1"], bindings: ["S": 8, "T": 8]),
  ]

  /// The last loss must be below this fraction of the first.
  static let requiredDrop: Float = 0.9

  static var specFiles: [String] { SeedSpecs.files }

  @Test func everySpecHasAReducedSize() {
    #expect(Self.specFiles.count >= 8)
    #expect(Set(Self.specFiles) == Set(Self.reductions.keys))
  }

  /// The loss of the fixed batch before each step and after the last one is
  /// finite, and the last is clearly below the first.
  @Test(arguments: specFiles)
  func lossFallsOnAFixedBatch(file: String) throws {
    let reduction = try #require(Self.reductions[file], "give \(file) a reduced size in `reductions`")
    let spec = try SeedSpecs.load(file, set: reduction.overrides)
    let train = try #require(spec.document.train)
    let training = FixedBatchTraining(
      batch: reduction.batch, steps: reduction.steps, bindings: reduction.bindings, clipGradNorm: train.clipGradNorm)
    let losses = try training.losses(of: spec)
    #expect(losses.last! < Self.requiredDrop * losses[0], "\(file): losses \(losses)")
  }

  /// Fills every input and target, for the plan's whole capacity, with seeded
  /// random data: normal floats for float inputs, token ids below the reading
  /// embedding's vocabulary for int32 inputs, class indices for int32 targets
  /// and values in [0, 1) for float targets.
  static func fillRandomly(_ interpreter: Interpreter) throws {
    let graph = interpreter.plan.graph
    var random = RandomGenerator(seed: 2024)
    for value in graph.inputs + graph.targets {
      let buffer = interpreter.buffer(of: value)
      let readers = graph.nodes.filter { $0.inputs.contains(value) }
      switch (graph.values[value].type.dtype, graph.values[value].role) {
      case (.int32, .input):
        let vocabularies = readers.compactMap { ($0.op as? Embedding)?.vocab }
        let vocab = try #require(vocabularies.min(), "no embedding reads `\(graph.values[value].name)`")
        for i in buffer.indices { buffer[i] = Float(random.nextInt(below: vocab)) }
      case (.int32, _):
        let prediction = try #require(readers.first?.inputs.first)
        let classes = try #require(graph.values[prediction].type.shape.last?.staticValue)
        for i in buffer.indices { buffer[i] = Float(random.nextInt(below: classes)) }
      case (_, .input):
        for i in buffer.indices { buffer[i] = random.nextGaussian() }
      default:
        for i in buffer.indices { buffer[i] = random.nextFloat() }
      }
    }
  }
}
