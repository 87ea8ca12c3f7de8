/// `checkpoint.safetensors`: everything `netspec train --resume` needs to
/// continue a run as if it had never stopped, beside the run's
/// `weights.safetensors` (which stays the model's weights alone, for users to
/// export). Tensors, one per parameter under its graph name:
///
/// - `model.<name>`: every parameter after the epoch (trainable, frozen and
///   buffers such as running statistics), so the file is complete by itself;
/// - `optimizer.first.<name>`, `optimizer.second.<name>`: for each trainable
///   parameter, SGD's velocity or Adam's first moment, and Adam's second
///   moment;
/// - `best.<name>`: every parameter after the best epoch, when early stopping
///   restores it.
///
/// The metadata holds the spec's text, path and `--set` overrides, the
/// `--seed` given, the data's ``DataFingerprint``, the run's epoch count, and the progress: epochs and steps
/// done, the optimizer's step count, the interpreter's forward passes (which
/// seed the dropout masks) and early stopping's state. The data's random
/// draws need no state: they are derived from the seed and the epoch.
public struct TrainingCheckpoint: Sendable, Equatable {
  /// What a run was started from; a resumed run must be given the same.
  public struct Origin: Sendable, Equatable {
    /// The spec file's path, absolute.
    public var specPath: String
    /// The spec file's text.
    public var specText: String
    /// The `--set name=value` arguments, in order.
    public var overrides: [String]
    /// The `--seed` given, nil for the spec's own.
    public var seed: Int?
    /// ``DataFingerprint`` of the data prepared for the run.
    public var data: String
    /// False when the run was started with `--no-expect`.
    public var checksExpectations: Bool

    public init(
      specPath: String, specText: String, overrides: [String], seed: Int?, data: String,
      checksExpectations: Bool = true
    ) {
      self.specPath = specPath
      self.specText = specText
      self.overrides = overrides
      self.seed = seed
      self.data = data
      self.checksExpectations = checksExpectations
    }
  }

  /// The name of the file in a run directory.
  public static let fileName = "checkpoint.safetensors"

  /// What the run was started from.
  public var origin: Origin
  /// The spec's `name:` (or file name), as the weights' metadata gives it.
  public var name: String
  /// The epochs the run trains (`train.epochs` or `--epochs`).
  public var epochs: Int
  /// Where the training loop stands.
  public var progress: TrainingProgress
  /// The interpreter's forward passes so far (``Interpreter/step``).
  public var forwardPasses: UInt64
  /// The optimizer's updates so far (``Optimizer/steps``).
  public var optimizerSteps: Int
  /// The parameter arena.
  public var parameters: [Float]
  /// ``Optimizer/firstMoment``.
  public var firstMoment: [Float]
  /// ``Optimizer/secondMoment``.
  public var secondMoment: [Float]

  /// The state of `trainer` after `progress`.
  public init(trainer: Trainer, progress: TrainingProgress, origin: Origin, name: String) {
    self.origin = origin
    self.name = name
    epochs = trainer.epochs
    self.progress = progress
    forwardPasses = trainer.interpreter.step
    optimizerSteps = trainer.optimizer.steps
    parameters = Array(
      UnsafeBufferPointer(start: trainer.interpreter.parameters, count: trainer.interpreter.plan.parameterArenaSize))
    firstMoment = Array(trainer.optimizer.firstMoment)
    secondMoment = Array(trainer.optimizer.secondMoment)
  }

  /// Puts the saved weights, optimizer state and forward-pass count into
  /// `trainer` (built from the same spec, data and seed), ready to run from
  /// ``progress``.
  public func restore(into trainer: Trainer) {
    let interpreter = trainer.interpreter
    _ = UnsafeMutableBufferPointer(start: interpreter.parameters, count: interpreter.plan.parameterArenaSize)
      .update(fromContentsOf: parameters)
    _ = trainer.optimizer.firstMoment.update(fromContentsOf: firstMoment)
    _ = trainer.optimizer.secondMoment.update(fromContentsOf: secondMoment)
    trainer.optimizer.steps = optimizerSteps
    interpreter.step = forwardPasses
  }

  /// Writes the file atomically to `path`.
  public func write(to path: String, plan: ExecutionPlan) throws(SafetensorsError) {
    var tensors = Self.split(parameters, plan: plan, prefix: "model.")
    tensors += Self.split(firstMoment, plan: plan, prefix: "optimizer.first.", trainableOnly: true)
    tensors += Self.split(secondMoment, plan: plan, prefix: "optimizer.second.", trainableOnly: true)
    if let best = progress.best, !best.weights.isEmpty {
      tensors += Self.split(best.weights, plan: plan, prefix: "best.")
    }
    try SafetensorsFile(tensors: tensors, metadata: metadata).write(to: path)
  }

  /// Reads the checkpoint at `path` for a run of `plan`: the tensors must be
  /// those the plan's parameters give (a file of another model is refused
  /// before its data is read), every value finite, the metadata complete.
  public init(contentsOf path: String, plan: ExecutionPlan) throws(SafetensorsError) {
    let header = try SafetensorsFile.metadata(ofFileAt: path)
    let fields: Fields
    do { fields = try Fields(header) } catch { throw SafetensorsError(.badMetadata(error.reason), path: path) }
    var expected = Self.shapes(plan, prefix: "model.")
    expected.merge(Self.shapes(plan, prefix: "optimizer.first.", trainableOnly: true)) { a, _ in a }
    expected.merge(Self.shapes(plan, prefix: "optimizer.second.", trainableOnly: true)) { a, _ in a }
    if fields.keepsBestWeights { expected.merge(Self.shapes(plan, prefix: "best.")) { a, _ in a } }
    let file = try SafetensorsFile(contentsOf: path, expected: expected)
    for tensor in file.tensors {
      if let index = tensor.values.firstIndex(where: { !$0.isFinite }) {
        throw SafetensorsError(.nonFinite(tensor: tensor.name, index: index, value: tensor.values[index]), path: path)
      }
    }
    origin = fields.origin
    name = fields.name
    epochs = fields.epochs
    forwardPasses = fields.forwardPasses
    optimizerSteps = fields.optimizerSteps
    parameters = Self.join(file, plan: plan, prefix: "model.", count: plan.parameterArenaSize)
    firstMoment = Self.join(file, plan: plan, prefix: "optimizer.first.", count: plan.trainableCount)
    secondMoment = Self.join(file, plan: plan, prefix: "optimizer.second.", count: plan.trainableCount)
    progress = fields.progress
    if fields.keepsBestWeights {
      progress.best?.weights = Self.join(file, plan: plan, prefix: "best.", count: plan.parameterArenaSize)
    }
  }

  /// The origin, name and epoch count of the checkpoint at `path`, from its
  /// header alone: what a resumed run needs before it can load the spec.
  public static func origin(ofFileAt path: String) throws(SafetensorsError) -> (
    origin: Origin, name: String, epochs: Int
  ) {
    let header = try SafetensorsFile.metadata(ofFileAt: path)
    do {
      let fields = try Fields(header)
      return (fields.origin, fields.name, fields.epochs)
    } catch {
      throw SafetensorsError(.badMetadata(error.reason), path: path)
    }
  }

  // MARK: - Layout

  /// `values` (laid out as the parameter arena, or its trainable prefix) cut
  /// into one tensor per parameter.
  static func split(_ values: [Float], plan: ExecutionPlan, prefix: String, trainableOnly: Bool = false)
    -> [NamedTensor]
  {
    plan.graph.parameters.enumerated().compactMap { id, parameter in
      guard !trainableOnly || parameter.trainable else { return nil }
      let slot = plan.slot(of: id)
      return NamedTensor(
        name: prefix + parameter.name, shape: parameter.shape,
        values: Array(values[slot.offset..<(slot.offset + slot.count)]))
    }
  }

  /// The tensors ``split(_:plan:prefix:trainableOnly:)`` writes, by name.
  static func shapes(_ plan: ExecutionPlan, prefix: String, trainableOnly: Bool = false) -> [String: [Int]] {
    var shapes: [String: [Int]] = [:]
    for parameter in plan.graph.parameters where !trainableOnly || parameter.trainable {
      shapes[prefix + parameter.name] = parameter.shape
    }
    return shapes
  }

  /// The tensors named `prefix<parameter>` in `file` put back in place, in
  /// `count` floats.
  static func join(_ file: SafetensorsFile, plan: ExecutionPlan, prefix: String, count: Int) -> [Float] {
    var values = [Float](repeating: 0, count: count)
    for (id, parameter) in plan.graph.parameters.enumerated() {
      guard let tensor = file[prefix + parameter.name] else { continue }
      let slot = plan.slot(of: id)
      values.replaceSubrange(slot.offset..<(slot.offset + slot.count), with: tensor.values)
    }
    return values
  }
}
