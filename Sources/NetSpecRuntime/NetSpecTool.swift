import Foundation

/// The command-line tool of a package emitted by `netspec compile --package`:
/// `train`, `eval` and `predict` with the flags and output of `netspec train`,
/// `netspec eval` and `netspec predict`, on the splits `netspec compile`
/// prepared into `Data/`. Training runs the same ``TrainingLoop`` as
/// `netspec train`, so the same seed gives the same weights.
///
/// ```swift
/// exit(NetSpecTool<MyModel>(configuration).run(Array(CommandLine.arguments.dropFirst())))
/// ```
public struct NetSpecTool<Model: ToolModel> {
  /// The spec's settings and the layout of its data.
  public let configuration: ToolConfiguration

  public init(_ configuration: ToolConfiguration) {
    self.configuration = configuration
  }

  /// A failure the tool reports on standard error before exiting with 1.
  struct Failure: Error {
    var message: String
    init(_ message: String) { self.message = message }
  }

  /// The usage text `--help` prints.
  public var usage: String {
    let name = configuration.executable
    return """
      USAGE: \(name) <command> [options]

      Trains, evaluates and predicts with the `\(configuration.name)` model as `netspec` does,
      on the data `netspec compile --package` prepared into Data/.

      COMMANDS:
        train [--epochs N] [--seed S] [-o DIR] [--overwrite]
                                                 Train; write DIR/weights.safetensors (default runs/\(name)),
                                                 a line of DIR/metrics.jsonl and DIR/curves.svg per epoch;
                                                 a DIR with weights is refused unless --overwrite.
        eval --weights FILE                      Loss and metrics on the validation and test splits.
        predict --weights FILE --input \(configuration.inputs.isEmpty ? "FILE" : configuration.inputs.map { "\($0.name)=FILE" }.joined(separator: " --input ")) [-o OUT]
                                                 Print CSV predictions for the samples in FILE
                                                 (CSV, NPY or IDX, scaled and standardized as in training).

      """
  }

  /// Runs the command in `arguments` (without the executable's name);
  /// returns the exit code.
  public func run(_ arguments: [String]) -> Int32 {
    do {
      switch arguments.first {
      case "train":
        try train(
          Options(arguments.dropFirst(), allowed: ["--epochs", "--seed", "-o", "--output"], flags: ["--overwrite"]))
      case "eval": try evaluate(Options(arguments.dropFirst(), allowed: ["--weights"]))
      case "predict":
        try predict(
          Options(
            arguments.dropFirst(), allowed: ["--weights", "--input", "-o", "--output"],
            repeatable: configuration.inputs.isEmpty ? [] : ["--input"]))
      case "--help", "-h", "help":
        print(usage, terminator: "")
      default:
        throw Failure(
          arguments.first.map { "unknown command `\($0)`; the commands are train, eval and predict" }
            ?? "give a command: train, eval or predict (see --help)")
      }
      return 0
    } catch let failure as Failure {
      FileHandle.standardError.write(Data("error: \(failure.message)\n".utf8))
      return 1
    } catch {
      FileHandle.standardError.write(Data("error: \(error)\n".utf8))
      return 1
    }
  }

  /// `--name value` options and `--flag`s, each at most once, from fixed sets.
  /// `repeatable` options may be given several times: ``lists`` holds
  /// every value, ``values`` the first.
  struct Options {
    var values: [String: String] = [:]
    var lists: [String: [String]] = [:]
    var flags: Set<String> = []

    init(
      _ arguments: ArraySlice<String>, allowed: Set<String>, flags allowedFlags: Set<String> = [],
      repeatable: Set<String> = []
    ) throws {
      var rest = arguments[...]
      while let name = rest.popFirst() {
        if allowedFlags.contains(name) {
          guard flags.insert(name).inserted else { throw Failure("`\(name)` is given twice") }
          continue
        }
        guard allowed.contains(name) else { throw Failure("unknown option `\(name)` (see --help)") }
        guard let value = rest.popFirst() else { throw Failure("`\(name)` takes a value") }
        let key = name == "-o" ? "--output" : name
        lists[key, default: []].append(value)
        if repeatable.contains(key), values[key] != nil { continue }
        guard values[key] == nil else { throw Failure("`\(name)` is given twice") }
        values[key] = value
      }
    }

    func int(_ name: String, atLeast minimum: Int) throws -> Int? {
      guard let text = values[name] else { return nil }
      guard let value = Int(text), value >= minimum else { throw Failure("`\(name)` takes a number >= \(minimum)") }
      return value
    }

    func required(_ name: String) throws -> String {
      guard let value = values[name] else { throw Failure("give `\(name) FILE`") }
      return value
    }
  }

  // MARK: - Data

  /// A prepared split from `Data/`, or nil when the package has none.
  func split(_ name: String, shape: [Int]) throws -> Dataset? {
    let base = configuration.dataDirectory + "/" + name
    guard FileManager.default.fileExists(atPath: base + ".inputs.f32") else { return nil }
    let inputs = try floats(base + ".inputs.f32"), labels = try floats(base + ".targets.f32")
    try checkTokenIDs(inputs, in: base + ".inputs.f32")
    let (inputStride, labelStride) = (shape.reduce(1, *), configuration.labelShape.reduce(1, *))
    let count = inputs.count / max(inputStride, 1)
    guard count * inputStride == inputs.count, count * labelStride == labels.count else {
      throw Failure("`\(base).*.f32` do not hold whole samples; recompile the package")
    }
    return Dataset(
      count: count, inputs: inputs, inputShape: shape, labels: labels, labelShape: configuration.labelShape)
  }

  /// Fails naming the file, sample and value of a token id outside its
  /// embedding's vocabulary.
  func checkTokenIDs(_ inputs: [Float], in path: String) throws {
    let stride = configuration.sampleShape.reduce(1, *)
    if let bad = TokenRange.firstInvalid(in: inputs, sampleStride: stride, ranges: Model.tokenRanges) {
      throw Failure("`\(path)`: sample \(bad.sample) holds the token id \(bad.value), outside 0..<\(bad.vocab)")
    }
  }

  /// The little-endian float32 values of the file at `path`.
  func floats(_ path: String) throws -> [Float] {
    let bytes = try RawFile.read(path)
    guard bytes.count % 4 == 0 else { throw Failure("`\(path)` does not hold whole float32 values") }
    return (0..<(bytes.count / 4)).map { i in
      var bits: UInt32 = 0
      for b in 0..<4 { bits |= UInt32(bytes[4 * i + b]) << (8 * b) }
      return Float(bitPattern: bits)
    }
  }

  /// The standardization statistics `netspec compile` stored beside the splits.
  func standardization() throws -> Standardization? {
    guard configuration.standardizes else { return nil }
    let values = try floats(configuration.dataDirectory + "/standardization.f32")
    let half = values.count / 2
    return Standardization(mean: Array(values[..<half]), standardDeviation: Array(values[half...]))
  }

  // MARK: - Commands

  func train(_ options: Options) throws {
    var settings = configuration.settings
    settings.epochs = try options.int("--epochs", atLeast: 1) ?? settings.epochs
    let seed = try options.int("--seed", atLeast: 0)
    settings.seed = seed ?? settings.seed
    let directory = options.values["--output"] ?? "runs/\(configuration.executable)"
    guard let train = try split("train", shape: configuration.trainShape) else {
      throw Failure("cannot read \(configuration.dataDirectory)/train.inputs.f32")
    }
    let validation = try split("validation", shape: configuration.sampleShape)
    let test = try split("test", shape: configuration.sampleShape)
    let statistics = try standardization()
    let model = Model(seed: UInt64(truncatingIfNeeded: settings.seed))
    let loop = TrainingLoop(settings: settings, train: train, validation: validation)
    let weights = directory + "/weights.safetensors"
    if FileManager.default.fileExists(atPath: weights), !options.flags.contains("--overwrite") {
      throw Failure(
        "`\(directory)` holds an earlier run (weights.safetensors); pass --overwrite to replace it, "
          + "or choose another directory with -o")
    }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    // A line per epoch, written as it ends, as `netspec train` writes it.
    let logPath = directory + "/metrics.jsonl"
    guard FileManager.default.createFile(atPath: logPath, contents: nil),
      let log = FileHandle(forWritingAtPath: logPath)
    else { throw Failure("cannot write `\(logPath)`") }
    defer { try? log.close() }
    var logError: (any Error)?
    let chartPath = directory + "/curves.svg"
    let chart = TrainingChart(title: configuration.name) { svg in
      try svg.write(toFile: chartPath, atomically: true, encoding: .utf8)
    }
    func metadata(epoch: Int) -> [String: String] {
      RunReport.checkpointMetadata(spec: configuration.name, epoch: epoch, seed: seed)
        .merging(statistics?.metadata ?? [:]) { a, _ in a }
    }
    print(
      RunReport.banner(
        name: configuration.name, parameters: configuration.parameterCount, train: train.count,
        validation: validation?.count, test: test?.count))
    let result: TrainingLoop.Result
    do {
      result = try loop.run(
        model,
        observe: { event in
          switch event {
          case .step: break
          case .epoch(let record):
            print(ProgressFormat.summary(record, epochs: settings.epochs, note: nil))
            do {
              try log.write(contentsOf: Data((record.jsonLine + "\n").utf8))
              try chart.record(record)
            } catch { logError = logError ?? error }
          case .stoppedEarly(let epoch, let best):
            print(RunReport.stoppedEarly(epoch: epoch, best: best))
          }
        },
        checkpoint: { record, _ in
          guard record.epoch % configuration.checkpointEvery == 0 else { return }
          try model.save(to: weights, metadata: metadata(epoch: record.epoch))
        })
    } catch let failure as TrainingFailure {
      // With `restore_best` the model holds the best epoch's weights again: they are the run's checkpoint.
      if let epoch = failure.restoredEpoch { try model.save(to: weights, metadata: metadata(epoch: epoch)) }
      try? chart.finish(bestEpoch: failure.restoredEpoch)
      throw Failure(failure.message)
    }
    if let logError { throw Failure("cannot write the logs in `\(directory)`: \(logError)") }
    try model.save(to: weights, metadata: metadata(epoch: result.bestEpoch))
    try chart.finish(bestEpoch: result.bestEpoch)
    if let test {
      print(RunReport.test(loop.evaluate(model, on: test), samples: test.count, bestEpoch: result.bestEpoch))
    }
    print("wrote \(weights), \(logPath), \(chartPath)")
  }

  func evaluate(_ options: Options) throws {
    let model = Model(seed: 0)
    _ = try model.load(from: try options.required("--weights"))
    let loop = TrainingLoop(
      settings: configuration.settings,
      train: Dataset(count: 0, inputs: [], inputShape: [], labels: [], labelShape: []),
      validation: nil)
    var any = false
    for name in ["validation", "test"] {
      guard let split = try split(name, shape: configuration.sampleShape) else { continue }
      print("\(name): " + loop.evaluate(model, on: split).summary + " (\(split.count) samples)")
      any = true
    }
    if !any, let train = try split("train", shape: configuration.sampleShape) {
      print("train: " + loop.evaluate(model, on: train).summary + " (\(train.count) samples)")
    }
  }

  func predict(_ options: Options) throws {
    let weights = try options.required("--weights"), input = try options.required("--input")
    let model = Model(seed: 0)
    let metadata = try model.load(from: weights)
    var values: [Float], count: Int
    if configuration.inputs.isEmpty {
      let samples: SampleFile
      do { samples = try SampleFile.read(input) } catch {
        throw Failure("`\(input)`: \(error.message)\n  help: \(error.help)")
      }
      let stride = configuration.sampleShape.reduce(1, *)
      guard let fitted = PredictionInput.fit(samples, stride: stride, labelColumn: configuration.labelColumn) else {
        throw Failure(
          "the samples in `\(input)` have \(samples.stride) values each, but the model takes \(stride)"
            + "\n  help: give one sample per row (CSV) or along the first axis (NPY, IDX)")
      }
      (values, count) = (fitted, samples.count)
      PredictionInput.transform(&values, scale: configuration.scale, standardization: nil)
    } else {
      (values, count) = try severalInputs(options.lists["--input"] ?? [])
    }
    try checkTokenIDs(values, in: input)
    let statistics = try storedStandardization(in: metadata, of: weights, features: values.count / max(count, 1))
    PredictionInput.transform(&values, scale: nil, standardization: statistics)
    try write(run(model, values, count: count), options)
  }

  /// The training statistics stored with the weights at `path` for samples of
  /// `features` values (the inputs side by side), when the spec standardizes.
  func storedStandardization(in metadata: [String: String], of path: String, features: Int) throws
    -> Standardization?
  {
    guard configuration.standardizes else { return nil }
    switch Standardization.stored(in: metadata, features: features) {
    case .success(let stored?): return stored
    case .success(nil):
      throw Failure("the spec standardizes its inputs, but `\(path)` holds no training statistics for them")
    case .failure(let error):
      throw Failure("the training statistics stored in `\(path)` are unusable: \(error)")
    }
  }

  /// The samples of `--input NAME=FILE` given once per model input, each
  /// input's values multiplied by its `scale`, side by side in the model's
  /// input order, and their count.
  func severalInputs(_ arguments: [String]) throws -> (values: [Float], count: Int) {
    let names = configuration.inputs.map(\.name)
    let usage = names.map { "--input \($0)=FILE" }.joined(separator: " ")
    var files: [String: String] = [:]
    for argument in arguments {
      guard let equals = argument.firstIndex(of: "="), names.contains(String(argument[..<equals])) else {
        throw Failure(
          "`--input \(argument)` names no model input; the inputs are \(names.joined(separator: ", "))\n  help: \(usage)"
        )
      }
      let name = String(argument[..<equals])
      guard files.updateValue(String(argument[argument.index(after: equals)...]), forKey: name) == nil else {
        throw Failure("the input `\(name)` is given two files\n  help: \(usage)")
      }
    }
    var parts: [(values: [Float], stride: Int)] = []
    var count: Int?
    for (name, shape, scale) in configuration.inputs {
      guard let path = files[name] else {
        throw Failure("no file is given for the model input `\(name)`\n  help: \(usage)")
      }
      let samples: SampleFile
      do { samples = try SampleFile.read(path) } catch {
        throw Failure("`\(path)`: \(error.message)\n  help: \(error.help)")
      }
      let stride = shape.reduce(1, *)
      guard samples.stride == stride else {
        throw Failure(
          "the samples in `\(path)` have \(samples.stride) values each, but the input `\(name)` takes \(stride) (\(shape))"
            + "\n  help: give one sample per row (CSV) or along the first axis (NPY, IDX)")
      }
      if let count, count != samples.count {
        throw Failure("`\(path)` holds \(samples.count) samples, but the other inputs' files hold \(count)")
      }
      count = samples.count
      var values = samples.values
      PredictionInput.transform(&values, scale: scale, standardization: nil)
      parts.append((values, stride))
    }
    let total = count ?? 0
    var values = [Float]()
    values.reserveCapacity(total * parts.map(\.stride).reduce(0, +))
    for sample in 0..<total {
      for part in parts { values += part.values[(sample * part.stride)..<((sample + 1) * part.stride)] }
    }
    return (values, total)
  }

  /// Prints the predictions as CSV, or writes them to `-o`.
  func write(_ predictions: Predictions, _ options: Options) throws {
    let text = predictions.csvLines().joined(separator: "\n") + "\n"
    guard let output = options.values["--output"] else { return print(text, terminator: "") }
    do { try text.write(toFile: output, atomically: true, encoding: .utf8) } catch {
      throw Failure("cannot write `\(output)`: \(error)")
    }
  }

  /// The model's outputs for `count` samples of `values`, batch by batch.
  func run(_ model: Model, _ values: [Float], count: Int) -> Predictions {
    let stride = values.count / max(count, 1)
    let perSample = model.predictionStride
    var outputs = [Float](repeating: 0, count: count * perSample)
    var start = 0
    while start < count {
      let n = min(model.batchCapacity, count - start)
      let (inputs, targets, predictions) = (model.inputBuffer, model.targetBuffer, model.predictionBuffer)
      for i in 0..<(n * stride) { inputs[i] = values[start * stride + i] }
      // Valid (class 0) targets for the loss the forward pass computes.
      targets.update(repeating: 0)
      _ = model.infer(batch: n)
      for i in 0..<(n * perSample) { outputs[start * perSample + i] = predictions[i] }
      start += n
    }
    return Predictions(kind: configuration.predictions, count: count, perSample: perSample, outputs: outputs)
  }
}
