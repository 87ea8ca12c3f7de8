import NetSpecDiagnostics
import NetSpecKernels
import Testing

@testable import NetSpec
@testable import NetSpecRuntime

/// `train.loss` as a list of weighted terms: the graph's loss nodes and their
/// sum, a model input as a target, the objective's value, training on it, and
/// the per-term metrics.
@Suite struct LossTermsTests {
  static let vae = """
    netspec: 1
    name: tiny_vae
    inputs: {x: [N, 6]}
    layers:
      - dense: {units: 3, name: mu}
      - dense: {units: 3, name: logvar, from: x}
      - dense: {units: 6, name: decoder, from: mu}
    outputs: [decoder, logvar]
    train:
      loss:
        - {mse: {from: decoder, target: x, reduction: sum}}
        - {kl_divergence: {from: [mu, logvar], weight: 0.5, name: kl}}
      optimizer: {adam: {lr: 0.05}}
    """

  @Test func termsBecomeLossNodesAndAWeightedSum() throws {
    let (graph, diagnostics) = lower(Self.vae)
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    let g = try #require(graph)
    #expect(g.lossTerms.map(\.name) == ["mse", "kl"])
    #expect(g.lossTerms.map(\.weight) == [1, 0.5])
    #expect(g.lossTerms.map { g.nodes[$0.node].name } == ["loss_mse", "loss_kl"])
    #expect(g.targets.isEmpty, "the reconstruction target is the model input x")
    let loss = try #require(g.loss)
    let sum = try #require(g.nodes.first { $0.outputs.contains(loss) })
    #expect((sum.op as? LossSum)?.weights == [1, 0.5])
    #expect(g.lossNode?.name == "loss_mse")
    #expect(g.values[g.lossNode!.inputs[1]].name == "x")
  }

  @Test func oneTermKeepsOneLossNodeAndDefaultNames() throws {
    let (graph, _) = lower(spec("  - dense: 3\n", extra: "train: {loss: [cross_entropy]}\n"))
    let g = try #require(graph)
    #expect(g.lossTerms.count == 1)
    #expect(g.lossNode?.name == "loss")
    #expect(g.nodes.allSatisfy { !($0.op is LossSum) })
    let (two, _) = lower(
      spec(
        "  - dense: {units: 3, name: a}\n  - dense: {units: 3, name: b, from: x}\n",
        extra: "outputs: [a, b]\ntrain: {loss: [{mse: {from: a}}, {mse: {from: b}}]}\n"))
    #expect(try #require(two).lossTerms.map(\.name) == ["mse", "mse_2"])
  }

  @Test func aWeightedSingleTermIsSummed() throws {
    let (graph, _) = lower(spec("  - dense: 3\n", extra: "train: {loss: {mse: {weight: 2}}}\n"))
    let g = try #require(graph)
    #expect(g.nodes.contains { ($0.op as? LossSum)?.weights == [2] })
  }

  /// The interpreter's loss is the weighted sum of its terms, each as the
  /// kernels compute it; its gradient reaches every layer, and a few Adam
  /// steps lower it.
  @Test func objectiveValueAndTraining() throws {
    let checked = try InlineSpec.check(Self.vae)
    let graph = checked.graph
    let training = FixedBatchTraining(batch: 4, steps: 30, seed: 3, weightDecay: 0, lr: 0.05)
    let trace = try training.trace(
      of: checked,
      fill: { interpreter in
        var random = RandomGenerator(seed: 7)
        let x = interpreter.buffer(of: graph.inputs[0])
        for i in x.indices { x[i] = random.nextFloat() * 2 - 1 }
      },
      record: { interpreter in
        [interpreter.loss] + graph.lossTerms.map { interpreter.buffer(of: graph.nodes[$0.node].outputs[0])[0] }
      })
    let (first, last) = (trace[0], trace.last![0])
    #expect(abs(first[0] - (first[1] + 0.5 * first[2])) < 1e-5 * max(1, abs(first[0])))
    #expect(last < 0.5 * first[0], "loss \(first[0]) -> \(last)")
  }

  @Test func metricsAverageEachTermOverTheSamples() {
    var metrics = MetricAccumulator()
    let zeros = [Float](repeating: 0, count: 8)
    metrics.add(loss: 3, batch: 2, prediction: zeros, target: zeros, predictionCount: 2, kind: .regression)
    metrics.addTerms(["mse", "kl"], [1, 4], batch: 2)
    metrics.add(loss: 1, batch: 6, prediction: zeros, target: zeros, predictionCount: 6, kind: .regression)
    metrics.addTerms(["mse", "kl"], [2, 0], batch: 6)
    #expect(metrics.terms == ["loss_mse": 1.75, "loss_kl": 1])
    #expect(metrics.named["loss_kl"] == 1)
  }

  @Test func classAccuracyOnAClassAxis() {
    // Two samples of [C = 2, H·W = 3] logits: the argmax class per pixel.
    let logits: [Float] = [1, 0, 0, 0, 1, 1, 0, 0, 5, 1, 1, 0]
    let targets: [Float] = [0, 1, 0, 1, 1, 9]  // 9: an ignored (out-of-range) label
    var metrics = MetricAccumulator()
    metrics.add(
      loss: 0, batch: 2, prediction: logits, target: targets, predictionCount: 12,
      kind: .classIndex(classes: 2, inner: 3))
    #expect(metrics.accuracy == 4.0 / 5.0)
  }

  @Test func pyTorchExportWritesTrainPyForSeveralTerms() throws {
    let checked = try InlineSpec.check(Self.vae)
    var diagnostics = DiagnosticBag()
    let files = PyTorchExport.project(checked, dataDirectory: ".", &diagnostics)
    #expect(files?["model.py"]?.contains("def loss_terms(outputs, inputs, target):") == true)
    #expect(files?["train.py"]?.contains("terms = loss_terms(") == true)
    #expect(diagnostics.sorted.isEmpty)
  }

  @Test func lossChartHasAPanelPerTerm() {
    let records = (1...2).map { epoch in
      EpochMetrics(
        epoch: epoch, step: epoch, trainLoss: 1, train: ["mse": 0.5, "loss_mse": 0.4, "loss_kl": 0.2],
        learningRate: 0.1, seconds: 1, samplesPerSecond: 1)
    }
    #expect(
      LossChart(title: "t", records: records).panels.map(\.heading) == [
        "loss", "mse", "loss term kl", "loss term mse",
      ])
  }
}
