import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// The tool of an emitted package runs the runtime `netspec train` runs: the
/// same spec and seed give the same weights (with shuffling, augmentation and
/// standardization on), and its `predict` prints the CSV of `netspec predict`.
/// The package's library sources are compiled with swiftc, with a driver
/// calling `runTool` as the package's `main.swift` does.
@Suite struct EmittedToolTests {
  static let spec = """
    netspec: 1
    name: tiny_cnn
    inputs:
      image: [N, 1, 6, 6]
    layers:
      - conv2d: {filters: 2, kernel: 3, padding: 1, activation: relu}
      - flatten
      - dense: {units: 3, name: logits}
    train:
      loss: cross_entropy
      optimizer: {sgd: {lr: 0.05, momentum: 0.9}}
      batch_size: 8
      epochs: 3
      schedule: {cosine: {min_lr: 0.001, warmup_epochs: 1}}
      seed: 3
    data:
      train: {csv: data.csv, label: last, scale: 1/16, reshape: [1, 6, 6], standardize: true}
      split: {validation: 0.2, test: 0.1, shuffle: true}
      augment: [{random_shift: 1}, horizontal_flip, {gaussian_noise: 0.05}]

    """

  /// A package for ``spec`` with 60 samples, its library compiled.
  struct Built {
    var directory: URL
    var binary: String
    var spec: CheckedSpec
    var data: PreparedData
  }

  static func build() throws -> Built {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netspec-tool-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    var random = RandomGenerator(seed: 11)
    var rows: [String] = []
    for sample in 0..<60 {
      let pixels = (0..<36).map { _ in String(random.nextInt(below: 16)) }
      rows.append((pixels + [String(sample % 3)]).joined(separator: ","))
    }
    try (rows.joined(separator: "\n") + "\n").write(
      to: directory.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8)
    try (rows.prefix(7).joined(separator: "\n") + "\n").write(
      to: directory.appendingPathComponent("samples.csv"), atomically: true, encoding: .utf8)
    let (spec, data) = try InlineSpec.load(
      Self.spec, path: directory.appendingPathComponent("tiny_cnn.yaml").path, seed: 3)
    let binary = try compileTool(
      spec, data: data, capacity: 8, sourceName: "tiny_cnn.yaml", typeName: "TinyCnn", in: directory)
    return Built(directory: directory, binary: binary, spec: spec, data: data)
  }

  /// Emits the package of `spec` into `directory/package` and compiles its
  /// sources (those of the model type `typeName`, which the emitter derives
  /// from `sourceName`) with a `main.swift` that runs the tool; returns the
  /// binary's path.
  static func compileTool(
    _ spec: CheckedSpec, data: PreparedData, capacity: Int, sourceName: String, typeName: String, in directory: URL
  ) throws -> String {
    let package = directory.appendingPathComponent("package")
    var sources: [String] = []
    for file in try PackageEmitter.emit(spec, data: data, capacity: capacity, sourceName: sourceName) {
      let url = package.appendingPathComponent(file.path)
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      if let binary = file.binary {
        try Data(binary).write(to: url)
      } else {
        try file.contents.write(to: url, atomically: true, encoding: .utf8)
      }
      if file.path.hasPrefix("Sources/\(typeName)/") { sources.append(url.path) }
    }
    let driver = directory.appendingPathComponent("main.swift")
    try "import Foundation\n\nexit(\(typeName).runTool(Array(CommandLine.arguments.dropFirst())))\n".write(
      to: driver, atomically: true, encoding: .utf8)
    let binary = directory.appendingPathComponent("tool").path
    _ = try run(
      ["swiftc", "-Onone", "-swift-version", "6", "-warnings-as-errors", "-o", binary] + CompilerFlags.nativeKernels
        + sources + [driver.path], in: directory)
    return binary
  }

  /// Runs `arguments` in `directory`; returns standard output, or throws
  /// with the output when the exit code is not 0.
  static func run(_ arguments: [String], in directory: URL) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.currentDirectoryURL = directory
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw HarnessError("`\(arguments.prefix(3).joined(separator: " "))` failed:\n\(text)\(errorText.prefix(4000))")
    }
    return text
  }

  /// One build for the checks below (compiling takes most of the time),
  /// removed afterwards.
  @Test func theToolTrainsAndPredictsAsNetspecDoes() throws {
    let built = try Self.build()
    defer { try? FileManager.default.removeItem(at: built.directory) }
    try answersHelpAndRejectsBadCommands(built)
    try trainingGivesTheWeightsOfNetspecTrain(built)
    try predictPrintsTheCSVOfNetspecPredict(built)
  }

  func trainingGivesTheWeightsOfNetspecTrain(_ built: Built) throws {
    let output = try Self.run([built.binary, "train", "--epochs", "2", "-o", "run"], in: built.directory)
    #expect(output.hasPrefix("training tiny_cnn: "))
    #expect(output.contains("epoch 2/2 loss "))
    let emitted = try SafetensorsFile(
      contentsOf: built.directory.appendingPathComponent("run/weights.safetensors").path)
    let trainer = try Trainer(spec: built.spec, data: built.data, epochs: 2)
    var records: [EpochMetrics] = []
    let result = try trainer.run(observe: { if case .epoch(let record) = $0 { records.append(record) } })
    // The run's metrics.jsonl: `netspec train`'s lines, the same keys and values but the timings.
    let log = try String(
      contentsOf: built.directory.appendingPathComponent("run/metrics.jsonl"), encoding: .utf8)
    let logged = try MetricsLog.records(jsonLines: log)
    #expect(logged.count == 2 && log.split(separator: "\n").count == 2)
    for (line, record) in zip(log.split(separator: "\n"), records) {
      #expect(line.hasPrefix("{\"epoch\":\(record.epoch),\"step\":\(record.step),\"train_loss\":"), "\(line)")
    }
    for (got, want) in zip(logged, records) {
      #expect(got.logFields.map(\.key) == want.logFields.map(\.key))
      for ((key, a), (_, b)) in zip(got.logFields, want.logFields)
      where !["seconds", "samples_per_second"].contains(key) {
        #expect(abs((a ?? .nan) - (b ?? .nan)) <= 1e-4 * max(1, abs(b ?? 0)), "\(key): \(a ?? .nan) vs \(b ?? .nan)")
      }
    }
    try Self.expectWeights(emitted, equal: trainer)
    #expect(emitted.metadata["standardize.mean"] != nil && emitted.metadata["spec"] == "tiny_cnn")
    try curvesHaveTheStructureOfNetspecTrain(built, records: records, bestEpoch: result.bestEpoch)
    // A second run into the same directory needs --overwrite, as for `netspec train`.
    let again = [built.binary, "train", "--epochs", "1", "-o", "run"]
    let refused = #expect(throws: HarnessError.self) { try Self.run(again, in: built.directory) }
    #expect(refused.map { "\($0)".contains("holds an earlier run") } == true)
    _ = try Self.run(again + ["--overwrite"], in: built.directory)
  }

  /// Both read weights `netspec train` wrote (its safetensors writer and the
  /// runtime's reader agree, the standardization statistics included).
  func predictPrintsTheCSVOfNetspecPredict(_ built: Built) throws {
    let trainer = try Trainer(spec: built.spec, data: built.data, epochs: 1)
    _ = try trainer.run(observe: { _ in })
    let weights = built.directory.appendingPathComponent("netspec-weights.safetensors").path
    try Checkpoint.write(
      trainer.interpreter, to: weights, metadata: ["netspec": "1"], standardization: built.data.standardization)
    let samples = built.directory.appendingPathComponent("samples.csv").path
    let printed = try Self.run(
      [built.binary, "predict", "--weights", weights, "--input", samples], in: built.directory)
    let expected = try Predictor.predict(built.spec, weights: weights, input: samples).csvLines()
    Self.expectCSV(printed, matches: expected)
  }

  /// The tool's `curves.svg` against the one `netspec train`'s run log draws
  /// from the interpreter's `records`: the same elements with the same
  /// attributes in the same order, the same texts (title, headings, tick
  /// labels, the best epoch) and the same polylines.
  func curvesHaveTheStructureOfNetspecTrain(_ built: Built, records: [EpochMetrics], bestEpoch: Int) throws {
    let interpreterRun = built.directory.appendingPathComponent("interpreter-run").path
    try FileManager.default.createDirectory(atPath: interpreterRun, withIntermediateDirectories: true)
    let log = try RunLog(directory: interpreterRun, title: "tiny_cnn")
    for record in records { try log.record(record) }
    try log.finish(bestEpoch: bestEpoch)
    let tool = try XMLSummary(
      String(contentsOf: built.directory.appendingPathComponent("run/curves.svg"), encoding: .utf8))
    let interpreter = try XMLSummary(String(contentsOfFile: interpreterRun + "/curves.svg", encoding: .utf8))
    #expect(tool.count("polyline") > 0 && tool.texts.contains("best epoch \(bestEpoch)"))
    #expect(tool.elements == interpreter.elements)
    #expect(tool.texts == interpreter.texts)
    #expect(tool.title == interpreter.title)
    #expect(tool.polylinePointCounts == interpreter.polylinePointCounts)
  }

  /// Expects every parameter of `trainer`'s interpreter in `emitted`, within
  /// 1e-4 of the tensor's largest magnitude.
  static func expectWeights(_ emitted: SafetensorsFile, equal trainer: Trainer) throws {
    for tensor in Checkpoint.tensors(of: trainer.interpreter) {
      let values = try #require(emitted[tensor.name]).values
      let scale = max(tensor.values.map(abs).max() ?? 0, 1e-3)
      let difference = zip(values, tensor.values).map { abs($0 - $1) }.max() ?? 0
      #expect(difference <= 1e-4 * scale, "\(tensor.name): differs by \(difference)")
    }
  }

  /// Expects the predict CSV `printed` to hold the lines `expected`: the same
  /// cells, numbers within 1e-4.
  static func expectCSV(_ printed: String, matches expected: [String]) {
    let lines = printed.split(separator: "\n").map(String.init)
    #expect(lines.count == expected.count && lines.first == expected.first)
    for (line, want) in zip(lines, expected) {
      for (cell, wanted) in zip(line.split(separator: ","), want.split(separator: ",")) {
        if let a = Double(cell), let b = Double(wanted) {
          #expect(abs(a - b) <= 1e-4 * max(1, abs(b)), "\(line) vs \(want)")
        } else {
          #expect(cell == wanted, "\(line) vs \(want)")
        }
      }
    }
  }

  func answersHelpAndRejectsBadCommands(_ built: Built) throws {
    let help = try Self.run([built.binary, "--help"], in: built.directory)
    #expect(help.contains("USAGE: tinycnn <command>") && help.contains("predict --weights FILE --input FILE"))
    #expect(throws: HarnessError.self) { try Self.run([built.binary, "fit"], in: built.directory) }
    #expect(throws: HarnessError.self) { try Self.run([built.binary, "train", "--epochs", "0"], in: built.directory) }
  }
}
