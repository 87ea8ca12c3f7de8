import BenchmarkSupport
import Foundation

/// The emitted-code driver: every model's emitted Swift and a main.swift that serves
/// requests `MODEL train|infer|latency STEPS WARMUP` on standard input, answering
/// `SECONDS_PER_STEP FIRST_LOSS` (training) or `SECONDS_PER_PASS` (inference), and
/// `driver rss MODEL STEPS` trains in a fresh process and prints its peak RSS line.
enum Driver {
  /// One model's request handlers.
  static func functions(_ model: BenchmarkModel) -> String {
    let t = model.typeName
    let n = model.name
    return """
      func train_\(n)(_ steps: Int, _ warmup: Int) -> String {
        let trainer = \(t)(seed: \(model.seed))
        let (inputs, labels) = benchBatch(\(t).inputCount)
        trainer.input.update(from: inputs, count: inputs.count)
        trainer.target.update(from: labels, count: labels.count)
        let rate = Float(\(model.learningRate))
        var firstLoss: Float?
        func step() {
          trainer.forward(\(benchBatch), training: true)
          if firstLoss == nil { firstLoss = trainer.loss }
          trainer.backward(\(benchBatch))
          trainer.update(learningRate: rate)
        }
        for _ in 0..<warmup { step() }
        return "\\(time(steps, step)) \\(firstLoss ?? trainer.loss)"
      }

      func infer_\(n)(_ batch: Int, _ steps: Int, _ warmup: Int) -> String {
        let predictor = \(t)(seed: \(model.seed))
        let (inputs, _) = benchBatch(\(t).inputCount)
        predictor.input.update(from: inputs, count: inputs.count)
        for _ in 0..<warmup { predictor.infer(batch) }
        return "\\(time(steps) { predictor.infer(batch) })"
      }


      """
  }

  /// The driver's main.swift.
  static func main(_ models: [BenchmarkModel]) -> String {
    let cases = models.map { model in
      """
        case ("\(model.name)", "train"): return train_\(model.name)(steps, warmup)
        case ("\(model.name)", "infer"): return infer_\(model.name)(\(benchBatch), steps, warmup)
        case ("\(model.name)", "latency"): return infer_\(model.name)(1, steps, warmup)

      """
    }.joined()
    return """
      import Foundation

      func time(_ steps: Int, _ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<steps { body() }
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 / Double(steps)
      }

      /// SpeedBench's batch: inputs uniform in [-1, 1), labels cycling through 10 classes.
      func benchBatch(_ inputCount: Int) -> (inputs: [Float], labels: [Float]) {
        var random = SplitMix64(seed: 99)
        let inputs = (0..<(\(benchBatch) * inputCount)).map { _ in 2 * random.nextFloat() - 1 }
        return (inputs, (0..<\(benchBatch)).map { Float($0 % 10) })
      }

      \(models.map(functions).joined())func answer(_ model: String, _ mode: String, _ steps: Int, _ warmup: Int) -> String {
        switch (model, mode) {
      \(cases)  default: return "unknown \\(model) \\(mode)"
        }
      }

      let arguments = CommandLine.arguments
      if arguments.count == 4 && arguments[1] == "rss" {
        _ = answer(arguments[2], "train", Int(arguments[3])!, 1)
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let peak = status.split(separator: "\\n").first { $0.hasPrefix("VmHWM:") }
        print(peak.map(String.init) ?? "VmHWM: unknown")
      } else {
        while let line = readLine() {
          let words = line.split(separator: " ").map(String.init)
          let reply = words.count == 4 ? answer(words[0], words[1], Int(words[2]) ?? 1, Int(words[3]) ?? 0) : "bad"
          FileHandle.standardOutput.write(Data((reply + "\\n").utf8))
        }
      }

      """
  }

  /// Emits every model and compiles the driver with `swiftc -O -wmo` and this
  /// machine's CPU flags; returns the binary's path.
  static func build(_ models: [BenchmarkModel], in directory: URL) -> String {
    OptimizedBuild.driver(models, capacity: benchBatch, main: main(models), in: directory).binary
  }
}
