import Testing

@testable import NetSpec

@Suite("ModelSummary")
struct ModelSummaryTests {
  @Test("dense layers: parameters, FLOPs and shapes at batch 8")
  func mlpCounts() throws {
    let spec = try #require(checkedSpec(mlpSpec))
    let summary = try ModelSummary(spec, bindings: ["N": 8])
    #expect(summary.name == "mlp")
    #expect(summary.bindings == ["N": 8])
    #expect(summary.inputs.map(\.sizes) == [[8, 64]])
    #expect(summary.layers.map(\.name) == ["dense_1", "dense_2"])
    #expect(summary.layers.map(\.op) == ["dense", "dense"])
    #expect(summary.layers.map(\.outputSizes) == [[8, 32], [8, 10]])
    #expect(summary.layers.map(\.outputShape.shapeDescription) == ["[N, 32]", "[N, 10]"])
    // 64·32 + 32 and 32·10 + 10.
    #expect(summary.layers.map(\.parameters) == [2080, 330])
    // Dense: 2·in·out per sample.
    #expect(summary.layers.map(\.flops) == [8 * 2 * 64 * 32, 8 * 2 * 32 * 10])
    #expect(summary.layers.map(\.symbolicFLOPs.description) == ["4096*N", "640*N"])
    #expect(summary.parameters == 2410)
    #expect(summary.trainableParameters == 2410)
    #expect(summary.frozenParameters == 0)
    #expect(summary.buffers == 0)
    #expect(summary.flops == 37_888)
    #expect(summary.lossFLOPs == nil)
  }

  @Test("memory without train: no optimizer state")
  func memoryWithoutTraining() throws {
    let spec = try #require(checkedSpec(mlpSpec))
    let memory = try ModelSummary(spec, bindings: ["N": 8]).memory
    #expect(memory.optimizer == nil)
    #expect(memory.parameters == 2410 * 4)
    #expect(memory.buffers == 0)
    #expect(memory.gradients == 2410 * 4)
    #expect(memory.optimizerState == 0)
    // Node outputs [8, 32] and [8, 10]: 336 floats.
    #expect(memory.forwardActivations == 336 * 4)
    #expect(memory.activations == 2 * 336 * 4)
    #expect(memory.inputs == 8 * 64 * 4)
    #expect(memory.training == 9640 + 9640 + 2688 + 2048)
    #expect(memory.inference == 9640 + 1344 + 2048)
  }

  struct OptimizerCase: Sendable, CustomTestStringConvertible {
    var yaml: String
    var name: String
    var slots: Int
    var testDescription: String { yaml }
  }

  @Test(
    "optimizer state by optimizer",
    arguments: [
      OptimizerCase(yaml: "{adam: {lr: 0.001}}", name: "adam", slots: 2),
      OptimizerCase(yaml: "{adamw: 0.001}", name: "adamw", slots: 2),
      OptimizerCase(yaml: "{sgd: {lr: 0.1, momentum: 0.9}}", name: "sgd", slots: 1),
      OptimizerCase(yaml: "{sgd: 0.1}", name: "sgd", slots: 0),
    ])
  func optimizerState(_ c: OptimizerCase) throws {
    let spec = try #require(
      checkedSpec(mlpSpec + "train:\n  loss: cross_entropy\n  optimizer: \(c.yaml)\n"))
    let summary = try ModelSummary(spec, bindings: ["N": 8])
    let memory = summary.memory
    #expect(memory.optimizer == MemoryEstimate.Optimizer(name: c.name, slots: c.slots))
    #expect(memory.optimizerState == c.slots * 2410 * 4)
    // The loss adds its scalar output and the int32 [8] labels.
    #expect(summary.targets.map(\.sizes) == [[8]])
    #expect(memory.forwardActivations == 337 * 4)
    #expect(memory.activations == 2 * 337 * 4)
    #expect(memory.inputs == (8 * 64 + 8) * 4)
    #expect(memory.training == 9640 + 9640 + c.slots * 9640 + 2696 + 2080)
    // The loss is a row of its own but not part of the forward FLOPs.
    #expect(summary.layers.last?.isLoss == true)
    #expect(summary.flops == 37_888)
    #expect(summary.lossFLOPs == summary.layers.last?.flops)
  }

  @Test("train without optimizer: adam by default")
  func defaultOptimizer() throws {
    let spec = try #require(checkedSpec(mlpSpec + "train: {loss: cross_entropy}\n"))
    let memory = try ModelSummary(spec, bindings: ["N": 1]).memory
    #expect(memory.optimizer == MemoryEstimate.Optimizer(name: "adam", slots: 2))
  }

  @Test("tied parameters are counted once, at the layer that owns them")
  func tiedParameters() throws {
    let spec = try #require(
      checkedSpec(
        """
        netspec: 1
        inputs: {x: [N, 16]}
        layers:
          - dense: {units: 16, name: a}
          - dense: {units: 16, name: b, tie: a}

        """))
    let summary = try ModelSummary(spec, bindings: ["N": 2])
    #expect(summary.layers.map(\.parameters) == [272, 0])
    #expect(summary.layers.map(\.tiedParameters) == [0, 272])
    #expect(summary.parameters == 272)
    #expect(summary.parameters == spec.graph.parameterCount)
    #expect(summary.memory.gradients == 272 * 4)
  }

  @Test("frozen parameters get no gradients or optimizer state; buffers are separate")
  func frozenAndBuffers() throws {
    let spec = try #require(
      checkedSpec(
        """
        netspec: 1
        inputs: {x: [N, 8]}
        layers:
          - dense: {units: 8, trainable: false}
          - batchnorm
          - dense: 2
        train: {loss: mse, optimizer: adam}

        """))
    let summary = try ModelSummary(spec, bindings: ["N": 4])
    #expect(summary.layers.map(\.trainable) == [false, true, true, true])
    #expect(summary.layers.map(\.buffers) == [0, 16, 0, 0])
    #expect(summary.parameters == 72 + 16 + 18)
    #expect(summary.frozenParameters == 72)
    #expect(summary.trainableParameters == 34)
    #expect(summary.buffers == 16)
    let memory = summary.memory
    #expect(memory.parameters == 106 * 4)
    #expect(memory.buffers == 16 * 4)
    #expect(memory.gradients == 34 * 4)
    #expect(memory.optimizerState == 2 * 34 * 4)
  }

  @Test("symbols other than N must be bound")
  func symbolBindings() throws {
    let spec = try #require(
      checkedSpec(
        """
        netspec: 1
        inputs: {tokens: {shape: [N, T], dtype: int32}}
        layers:
          - embedding: {vocab: 100, dim: 8}

        """))
    #expect(ModelSummary.symbols(of: spec.graph).map(\.symbol) == ["N", "T"])
    #expect(throws: SummaryError.unboundSymbols([SymbolUse(symbol: "T", firstUse: "`tokens` int32[N, T]")])) {
      try ModelSummary(spec, bindings: ["N": 2])
    }
    let summary = try ModelSummary(spec, bindings: ["N": 2, "T": 5, "unused": 3])
    #expect(summary.bindings == ["N": 2, "T": 5])
    #expect(summary.layers[0].outputSizes == [2, 5, 8])
    #expect(summary.inputs[0].dtype == .int32)
    #expect(summary.memory.inputs == 10 * 4)
  }

  @Test("sizes that overflow are an error, not a wrong number")
  func overflow() throws {
    let spec = try #require(checkedSpec(mlpSpec))
    #expect(throws: SummaryError.self) {
      try ModelSummary(spec, bindings: ["N": Int.max / 2])
    }
  }
}

@Suite("HumanUnits")
struct HumanUnitsTests {
  @Test(arguments: [(0, "0"), (999, "999"), (1000, "1,000"), (61706, "61,706"), (-1_234_567, "-1,234,567")])
  func grouped(_ value: Int, _ text: String) {
    #expect(ProgressFormat.grouped(value) == text)
  }

  @Test(arguments: [
    (0, "0 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (246_824, "241.0 KiB"), (1_572_864, "1.5 MiB"),
    (1_048_575, "1.0 MiB"), (3 << 30, "3.0 GiB"),
  ])
  func bytes(_ value: Int, _ text: String) {
    #expect(HumanUnits.bytes(value) == text)
  }

  @Test(arguments: [(40, "40"), (37_888, "37.9 K"), (999_960, "1.0 M"), (1_400_000_000, "1.4 G")])
  func count(_ value: Int, _ text: String) {
    #expect(HumanUnits.count(value) == text)
  }
}
