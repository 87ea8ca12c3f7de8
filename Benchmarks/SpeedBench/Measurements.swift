import BenchmarkSupport
import Foundation
import NetSpec
import NetSpecKernels

/// Every measurement of the run, interleaved round by round, and the tables.
final class Measurements {
  /// What is measured: a framework's training, inference or batch-1 latency.
  enum Work: String, CaseIterable {
    case train, infer, latency

    var title: String {
      switch self {
      case .train: "train samples/s"
      case .infer: "inference samples/s"
      case .latency: "batch-1 latency µs"
      }
    }
  }

  static let frameworks = ["emitted", "interpreter", "PyTorch", "onnxruntime"]

  let models: [BenchmarkModel]
  let references: References
  let driver: String
  let options: Options
  private var noise: NoiseGuard
  /// Seconds per step or pass: "framework work model threads" -> one per round.
  private var seconds: [String: [Double]] = [:]
  /// The first training step's loss: "framework model" -> loss.
  private var firstLosses: [String: String] = [:]
  /// Measurements a package they need is missing for: "framework model work".
  private var missing: Set<String> = []
  /// Measurements that failed (any other reply than a figure or `missing ...`):
  /// "framework model work"; SpeedBench exits with status 1 when there are any.
  private(set) var failures: Set<String> = []

  init(models: [BenchmarkModel], references: References, driver: String, options: Options) {
    self.models = models
    self.references = references
    self.driver = driver
    self.options = options
    noise = NoiseGuard(threshold: options.noise, retakes: options.retakes)
  }

  private func key(_ framework: String, _ work: Work, _ model: String, _ threads: Int) -> String {
    "\(framework) \(work) \(model) \(threads)"
  }

  func run() {
    var emitted: [Int: Worker] = [:]
    var reference: [Int: Worker] = [:]
    var pools: [Int: ComputePool] = [:]
    for threads in options.threads {
      guard
        let worker = Worker(
          name: "driver", [driver], environment: ["NETSPEC_THREADS": String(threads)],
          directory: URL(fileURLWithPath: driver).deletingLastPathComponent())
      else { fail("cannot start the emitted driver") }
      emitted[threads] = worker
      reference[threads] = references.worker(threads: threads)
      pools[threads] = ComputePool(threadCount: threads)
    }
    defer { (Array(emitted.values) + Array(reference.values)).forEach { $0.stop() } }
    for round in 1...options.rounds {
      print("round \(round) of \(options.rounds)")
      for threads in options.threads {
        for model in models {
          for work in Work.allCases {
            let steps = work == .latency ? 16 * options.steps : options.steps
            let request = "\(model.name) \(work) \(steps) \(options.warmup)"
            record("emitted", work, model, threads, ask(emitted[threads]!, request))
            record("interpreter", work, model, threads, interpret(model, work, steps, pools[threads]!))
            guard let worker = reference[threads], references.skipped[model.name] == nil else { continue }
            let kinds: [String: [Work: String]] = [
              "PyTorch": [.train: "torch_train", .infer: "torch_infer"],
              "onnxruntime": [.infer: "ort_infer", .latency: "ort_latency"],
            ]
            for (framework, kind) in kinds.sorted(by: { $0.key < $1.key }) {
              guard let kind = kind[work] else { continue }
              record(framework, work, model, threads, ask(worker, "\(model.name) \(kind) \(steps) \(options.warmup)"))
            }
          }
        }
      }
    }
  }

  private func ask(_ worker: Worker, _ request: String) -> String {
    noise.measure(child: worker.pid) { worker.ask(request) ?? "failed: \(worker.name) exited" }
  }

  /// Stores a reply `SECONDS [FIRST_LOSS]`; notes `missing PACKAGE ...` once, and
  /// reports any other reply (reference.py's `failed REASON`) once as an error.
  private func record(_ framework: String, _ work: Work, _ model: BenchmarkModel, _ threads: Int, _ reply: String) {
    let fields = reply.split(separator: " ")
    guard let time = fields.first.flatMap({ Double($0) }) else {
      let key = "\(framework) \(model.name) \(work)"
      if reply.hasPrefix("missing ") {
        if missing.insert(key).inserted { print("note: \(framework) \(work) \(model.name): \(reply)") }
      } else if failures.insert(key).inserted {
        print("error: \(framework) \(work) \(model.name): \(reply)")
      }
      return
    }
    seconds[key(framework, work, model.name, threads), default: []].append(time)
    if fields.count > 1 { firstLosses["\(framework) \(model.name)"] = String(fields[1]) }
  }

  /// One interpreter measurement in this process: seconds per step, and for
  /// training the first step's loss.
  private func interpret(_ model: BenchmarkModel, _ work: Work, _ steps: Int, _ pool: ComputePool) -> String {
    noise.measure(child: nil) {
      let graph = model.spec.graph
      let plan = try! Planner.plan(graph, capacity: benchBatch, training: work == .train)
      let interpreter = Interpreter(plan: plan, seed: UInt64(model.seed), pool: pool)
      let (inputs, labels) = fixedBatch(
        benchBatch, inputCount: plan.buffers[plan.valueBuffers[graph.inputs[0]]!].perSample)
      _ = interpreter.buffer(of: graph.inputs[0]).update(from: inputs)
      let batch = work == .latency ? 1 : benchBatch
      var step: () -> Void = { interpreter.forward(batch: batch, training: false) }
      var firstLoss: Float?
      if work == .train {
        _ = interpreter.buffer(of: graph.targets[0]).update(from: labels)
        let train = model.spec.document.train!
        let optimizer = Optimizer(
          train.optimizer.algorithm, weightDecay: train.weightDecay, count: plan.trainableCount, pool: pool)
        let rate = Float(train.optimizer.learningRate)
        step = {
          interpreter.forward(batch: benchBatch, training: true)
          if firstLoss == nil { firstLoss = interpreter.loss }
          interpreter.backward(batch: benchBatch)
          optimizer.step(parameters: interpreter.parameters, gradients: interpreter.gradients, lr: rate)
        }
      }
      for _ in 0..<options.warmup { step() }
      let start = DispatchTime.now().uptimeNanoseconds
      for _ in 0..<steps { step() }
      let time = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 / Double(steps)
      return firstLoss.map { "\(time) \($0)" } ?? "\(time)"
    }
  }

  /// The median round's figure: samples/s, or µs for latency; nil if not measured.
  private func figure(_ framework: String, _ work: Work, _ model: String, _ threads: Int) -> Double? {
    guard let values = seconds[key(framework, work, model, threads)], !values.isEmpty else { return nil }
    let median = values.sorted()[values.count / 2]
    return work == .latency ? median * 1e6 : Double(benchBatch) / median
  }

  /// How many times faster the emitted code is than `reference` (nil if either is missing).
  private func speedup(_ reference: String, _ work: Work, _ model: String, _ threads: Int) -> Double? {
    guard let ours = figure("emitted", work, model, threads), let theirs = figure(reference, work, model, threads)
    else { return nil }
    return work == .latency ? theirs / ours : ours / theirs
  }

  func printTables() {
    let format = { (value: Double?) in
      value.map { $0 >= 100 ? String(Int($0.rounded())) : String(format: "%.1f", $0) } ?? "-"
    }
    let ratio = { (value: Double?) in value.map { String(format: "%.2fx", $0) } ?? "-" }
    for threads in options.threads {
      print()
      print("\(threads) thread(s): median of \(options.rounds) rounds")
      print()
      print("| model | work | emitted | interpreter | PyTorch | onnxruntime | emitted/PyTorch | emitted/onnxruntime |")
      print("|---|---|--:|--:|--:|--:|--:|--:|")
      for model in models {
        for work in Work.allCases {
          let figures = Self.frameworks.map { format(figure($0, work, model.name, threads)) }
          let ratios = ["PyTorch", "onnxruntime"].map { ratio(speedup($0, work, model.name, threads)) }
          print("| \(model.name) | \(work.title) | " + (figures + ratios).joined(separator: " | ") + " |")
        }
      }
    }
    if options.threads.count > 1, let low = options.threads.min(), let high = options.threads.max() {
      print()
      print("\(high) threads against \(low) (speed ratio; below 1.00x the extra threads lose):")
      print()
      print("| model | work | " + Self.frameworks.joined(separator: " | ") + " |")
      print("|---|---|" + String(repeating: "--:|", count: Self.frameworks.count))
      for model in models {
        for work in Work.allCases {
          let ratios = Self.frameworks.map { framework -> String in
            guard let one = figure(framework, work, model.name, low),
              let many = figure(framework, work, model.name, high)
            else { return "-" }
            return ratio(work == .latency ? one / many : many / one)
          }
          print("| \(model.name) | \(work.title) | " + ratios.joined(separator: " | ") + " |")
        }
      }
    }
    print()
    print(
      "Noise guard: \(noise.discarded) sample(s) discarded and retaken, \(noise.keptNoisy) kept after \(options.retakes) retakes"
    )
    print("Same work check: the first training step's loss (same weights, same batch)")
    for model in models {
      let losses = ["emitted", "interpreter", "PyTorch"].map { "\($0) \(firstLosses["\($0) \(model.name)"] ?? "-")" }
      print("  \(model.name): " + losses.joined(separator: ", "))
    }
  }
}
