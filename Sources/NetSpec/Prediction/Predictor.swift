/// Why prediction could not run: what went wrong and how to fix it.
public struct PredictionError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public var help: String

  public init(_ message: String, help: String) {
    self.message = message
    self.help = help
  }

  public var description: String { "\(message)\n  help: \(help)" }
}

/// Runs trained weights on new samples, transforming them as the spec's
/// training source did (`scale`, then the training split's standardization
/// stored with the weights).
///
/// ```swift
/// let predictions = try Predictor.predict(spec, weights: "runs/lenet5/weights.safetensors",
///                                         input: "digits.npy")
/// for line in predictions.csvLines() { print(line) }
/// ```
public enum Predictor {
  /// The largest batch one forward pass runs.
  static let batchCapacity = 256

  /// The model's outputs for every sample in the file at `input`.
  public static func predict(
    _ spec: CheckedSpec, weights: String, input: String
  ) throws(PredictionError) -> Predictions {
    try predict(spec, weights: weights, inputs: [(nil, input)])
  }

  /// The model's outputs for the samples in `inputs`: one file (its name
  /// nil or the model's only input), or one file per model input, named,
  /// with the same number of samples each.
  public static func predict(
    _ spec: CheckedSpec, weights: String, inputs: [(name: String?, path: String)]
  ) throws(PredictionError) -> Predictions {
    try predictWithInputs(spec, weights: weights, inputs: inputs).predictions
  }

  /// ``predict(_:weights:inputs:)``, with the values the model read: each
  /// input's samples after the training source's transforms, by input.
  public static func predictWithInputs(
    _ spec: CheckedSpec, weights: String, inputs: [(name: String?, path: String)]
  ) throws(PredictionError) -> (inputs: [(input: ValueID, values: [Float])], predictions: Predictions) {
    let graph = spec.graph
    guard let inputID = graph.inputs.first else {
      throw PredictionError("the model declares no inputs", help: "declare the model's inputs under `inputs:`")
    }
    let weightsFile = try load(weights, of: spec)
    let files = try PredictionFiles.match(inputs, to: graph)
    if files.count > 1 {
      var (parts, count, bindings) = try readSamples(files, spec: spec)
      try transform(&parts, count: count, spec: spec, weights: weightsFile, path: weights)
      let predictions = try run(spec, weights: weightsFile, weightsPath: weights, parts: parts, count: count, bindings)
      return (parts, predictions)
    }
    let input = files[0].path
    let samples = try read(input, spec: spec)
    var (values, bindings) = try fit(samples, to: graph.values[inputID], spec: spec, path: input)
    let standardization = try statistics(
      spec, weights: weightsFile, path: weights, features: values.count / max(samples.count, 1))
    PredictionInput.transform(
      &values, scale: spec.document.data?.train.scale.map(Float.init), standardization: standardization)
    let predictions = try run(
      spec, weights: weightsFile, weightsPath: weights, parts: [(inputID, values)], count: samples.count, bindings)
    return ([(inputID, values)], predictions)
  }

  /// The weights at `path`, checked against the shapes of the spec's parameters.
  static func load(_ path: String, of spec: CheckedSpec) throws(PredictionError) -> SafetensorsFile {
    do {
      return try SafetensorsFile(contentsOf: path, expected: Checkpoint.expectedShapes(of: spec.graph))
    } catch {
      // The error names the file.
      throw PredictionError("\(error)", help: "pass the weights `netspec train` wrote for this spec")
    }
  }

  /// The training statistics stored in `weights` for samples of `features`
  /// values, when the spec standardizes its inputs; nil when it does not.
  static func statistics(
    _ spec: CheckedSpec, weights: SafetensorsFile, path: String, features: Int
  ) throws(PredictionError) -> Standardization? {
    guard spec.standardizesInputs(weightsMetadata: weights.metadata) else { return nil }
    switch Standardization.stored(in: weights.metadata, features: features) {
    case .success(let statistics?): return statistics
    case .success(nil):
      throw PredictionError(
        "the spec standardizes its inputs, but `\(path)` holds no training statistics",
        help: "retrain with this version of netspec, which stores them with the weights")
    case .failure(let error):
      throw PredictionError(
        "the training statistics stored in `\(path)` are unusable: \(error)",
        help: "use the weights `netspec train` wrote for this spec's data, or retrain")
    }
  }

  /// Transforms the samples of several inputs as training did: each input
  /// by its own `scale`, then by its slice of the statistics, which cover
  /// the inputs side by side in the model's order.
  static func transform(
    _ parts: inout [(input: ValueID, values: [Float])], count: Int, spec: CheckedSpec, weights: SafetensorsFile,
    path: String
  ) throws(PredictionError) {
    let strides = parts.map { $0.values.count / max(count, 1) }
    let statistics = try Self.statistics(spec, weights: weights, path: path, features: strides.reduce(0, +))
    let transforms = spec.document.data?.train.inputTransforms ?? []
    var offset = 0
    for (k, stride) in strides.enumerated() {
      let name = spec.graph.values[parts[k].input].name
      let slice = statistics.map {
        Standardization(
          mean: Array($0.mean[offset..<(offset + stride)]),
          standardDeviation: Array($0.standardDeviation[offset..<(offset + stride)]))
      }
      let scale = transforms.first { $0.name == name }?.scale.map(Float.init)
      PredictionInput.transform(&parts[k].values, scale: scale, standardization: slice)
      offset += stride
    }
  }

  /// The samples in the file at `path`, a CSV file's header read as the
  /// training source's is.
  /// Reads one file per input, fitted to its input's type: the values by input,
  /// the sample count (every file must hold the same) and the symbols the files bound.
  static func readSamples(
    _ files: [(input: ValueID, path: String)], spec: CheckedSpec
  ) throws(PredictionError) -> (parts: [(input: ValueID, values: [Float])], count: Int, bindings: [String: Int]) {
    var parts: [(input: ValueID, values: [Float])] = []
    var bindings: [String: Int] = [:]
    var count: Int?
    for (id, path) in files {
      let samples = try read(path, spec: spec)
      if let count, count != samples.count {
        throw PredictionError(
          "`\(path)` holds \(samples.count) samples, but `\(files[0].path)` holds \(count)",
          help: "give every input the same samples, one row (or first-axis entry) per sample, in the same order")
      }
      count = samples.count
      let fitted = try fit(samples, to: spec.graph.values[id], spec: spec, path: path)
      bindings.merge(fitted.bindings) { old, _ in old }
      parts.append((id, fitted.values))
    }
    return (parts, count ?? 0, bindings)
  }

  static func read(_ path: String, spec: CheckedSpec) throws(PredictionError) -> SampleFile {
    do {
      var stream = try DataFileBytes.open(path)
      return try SampleFile.read(&stream, name: path, header: spec.document.data?.train.header ?? .auto)
    } catch {
      throw PredictionError("`\(path)`: \(error.message)", help: error.help)
    }
  }

  /// The samples as the input takes them, with the sizes they bind: as
  /// stored when the shapes match, reshaped when the value counts do, or
  /// without the label column of the spec's training CSV.
  static func fit(
    _ samples: SampleFile, to input: Value, spec: CheckedSpec, path: String
  ) throws(PredictionError) -> (values: [Float], bindings: [String: Int]) {
    let declared = input.type.shape.dropFirst()
    var bindings: [String: Int] = [:]
    var values = samples.values
    if !GraphFeed.match(samples.sampleShape, declared, &bindings) {
      let needed = Shape(declared).staticSizes?.reduce(1, *)
      if let needed, needed == samples.stride {
        // Same number of values: the declared layout (e.g. [784] as [1, 28, 28]).
      } else if let needed, let table = samples.table, table.columns == needed + 1,
        case .csv(_, let label, _) = spec.document.data?.train.format
      {
        do { values = try table.splitLabel(label).features } catch {
          throw PredictionError("`\(path)`: \(error.message)", help: error.help)
        }
      } else {
        throw PredictionError(
          "the samples in `\(path)` have shape \(SourcePreparation.describe(samples.sampleShape)) (\(samples.stride) values), but the input `\(input.name)` takes \(Shape(declared).shapeDescription)",
          help: "give one sample per row (CSV) or along the first axis (NPY, IDX), with the values the input takes")
      }
    }
    if input.type.dtype == .int32, let bad = values.firstIndex(where: { !SourcePreparation.isIndex($0) }) {
      throw PredictionError(
        "sample \(bad / max(1, values.count / samples.count)) of `\(path)` holds \(values[bad]), but the input `\(input.name)` takes int32 ids",
        help: "token ids are whole numbers from 0")
    }
    if let inputID = spec.graph.value(named: input.name), let table = spec.graph.tokenTable(reading: inputID),
      let bad = values.firstIndex(where: { $0 >= Float(table.vocab) })
    {
      throw PredictionError(
        "sample \(bad / max(1, values.count / samples.count)) of `\(path)` holds the token id \(Int(values[bad])), but `\(table.node.name)` has a vocabulary of \(table.vocab) (ids 0…\(table.vocab - 1))",
        help: "give ids the model was trained on, 0…\(table.vocab - 1)")
    }
    return (values, bindings)
  }

  /// Plans, loads the weights and runs the forward pass batch by batch.
  private static func run(
    _ spec: CheckedSpec, weights: SafetensorsFile, weightsPath: String, parts: [(input: ValueID, values: [Float])],
    count: Int, _ bindings: [String: Int]
  ) throws(PredictionError) -> Predictions {
    let graph = spec.graph
    let (plan, interpreter) = try session(spec, weights: weights, weightsPath: weightsPath, count: count, bindings)
    guard let output = graph.lossNode?.inputs[0] ?? graph.outputs.first else {
      throw PredictionError("the model has no output to predict", help: "end the model with a layer or a loss")
    }
    let kind = Predictions.Kind(loss: graph.lossNode?.op, output: graph.values[output].type)
    let perSample = plan.buffers[plan.valueBuffers[output]!].perSample
    let outputs = forward(interpreter, plan: plan, graph: graph, parts: parts, count: count, output: output)
    return Predictions(
      kind: kind, count: count, perSample: perSample, outputs: outputs,
      sampleShape: sampleShape(of: graph.values[output], bindings, perSample: perSample))
  }

  /// The inference plan for batches of up to `count` samples (at most
  /// ``batchCapacity``) with the sizes `bindings` gives, and an interpreter
  /// holding the weights.
  static func session(
    _ spec: CheckedSpec, weights: SafetensorsFile, weightsPath: String, count: Int, _ bindings: [String: Int]
  ) throws(PredictionError) -> (plan: ExecutionPlan, interpreter: Interpreter) {
    let plan: ExecutionPlan
    do {
      plan = try Planner.plan(spec.graph, capacity: min(count, batchCapacity), bindings: bindings, training: false)
    } catch {
      throw PredictionError(error.message, help: "give samples whose sizes fix every symbolic dimension")
    }
    let interpreter = Interpreter(plan: plan, seed: 0)
    do { try Checkpoint.load(weights, into: interpreter) } catch {
      throw PredictionError("`\(weightsPath)`: \(error)", help: "pass the weights `netspec train` wrote for this spec")
    }
    return (plan, interpreter)
  }

  /// The values of `output` for `count` samples of `parts` (each input's
  /// values, sample after sample), batch by batch.
  static func forward(
    _ interpreter: Interpreter, plan: ExecutionPlan, graph: Graph, parts: [(input: ValueID, values: [Float])],
    count: Int, output: ValueID
  ) -> [Float] {
    let capacity = min(count, batchCapacity)
    let predictions = interpreter.buffer(of: output)
    let perSample = plan.buffers[plan.valueBuffers[output]!].perSample
    var outputs = [Float](repeating: 0, count: count * perSample)
    var start = 0
    while start < count {
      let n = min(capacity, count - start)
      for (input, values) in parts {
        let (buffer, stride) = (interpreter.buffer(of: input), values.count / count)
        for i in 0..<(n * stride) { buffer[i] = values[start * stride + i] }
      }
      // Where the plan keeps the loss, give it valid (class 0) targets.
      for target in graph.targets where plan.valueBuffers[target] != nil {
        interpreter.buffer(of: target).update(repeating: 0)
      }
      interpreter.forward(batch: n, training: false)
      for i in 0..<(n * perSample) { outputs[start * perSample + i] = predictions[i] }
      start += n
    }
    return outputs
  }

  /// The output's shape after the batch axis with the sizes the samples
  /// bound, or `[perSample]` when it does not evaluate to `perSample` values.
  private static func sampleShape(of output: Value, _ bindings: [String: Int], perSample: Int) -> [Int] {
    let sizes = output.type.shape.dropFirst().map { $0.evaluate(bindings) }
    guard sizes.allSatisfy({ $0 != nil }), sizes.reduce(1, { $0 * $1! }) == perSample else { return [perSample] }
    return sizes.map { $0! }
  }
}

extension Predictions.Kind {
  /// What the outputs of a model trained with `loss` mean.
  init(loss: (any Operator)?, output: TensorType) {
    switch loss {
    case is CrossEntropyLoss: self = .classes(output.shape.last?.staticValue ?? 1)
    case is BinaryCrossEntropyLoss: self = .binary
    default: self = .values
    }
  }
}
