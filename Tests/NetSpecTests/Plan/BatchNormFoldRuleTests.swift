import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// The `batchnorm-fold` rule (``BatchNormFoldRule``) as the planner applies
/// it: which patterns fold, what an inference plan drops, and that a training
/// plan keeps every training step.
@Suite struct BatchNormFoldRuleTests {
  /// `c1 b1 r1`: folds with its ReLU; `c2 b2`: a grouped convolution with a
  /// bias folds, and the leaky ReLU after it too; `c3` has its own
  /// activation; `c4`'s output feeds two nodes; `b5` feeds two nodes, so it
  /// folds without the ReLU after it; `b6` follows a dense layer.
  static let spec = """
    netspec: 1
    inputs: {x: [N, 4, 6, 6]}
    layers:
      - conv2d: {filters: 4, kernel: 3, padding: 1, bias: false, name: c1}
      - batchnorm: {name: b1}
      - relu: {name: r1}
      - conv2d: {filters: 4, kernel: 3, padding: 1, groups: 2, name: c2}
      - batchnorm: {name: b2}
      - leaky_relu: {slope: 0.2, name: l2}
      - conv2d: {filters: 4, kernel: 1, activation: relu, name: c3}
      - batchnorm: {name: b3}
      - conv2d: {filters: 4, kernel: 1, name: c4}
      - batchnorm: {name: b4}
      - add: {from: [b4, c4], name: s4}
      - conv2d: {filters: 4, kernel: 1, name: c5}
      - batchnorm: {name: b5}
      - relu: {name: r5}
      - add: {from: [r5, b5], name: s5}
      - flatten
      - dense: {units: 3, name: d}
      - batchnorm: {name: b6}
    train: {loss: cross_entropy, optimizer: sgd}
    """

  static func plan(training: Bool, excluding: Set<String> = []) throws -> ExecutionPlan {
    var diagnostics = DiagnosticBag()
    let spec = try #require(Frontend.check(SourceFile(path: "t.yaml", text: spec), &diagnostics))
    return try Planner.plan(spec.graph, capacity: 2, training: training, excludingFusions: excluding)
  }

  static func folds(_ plan: ExecutionPlan) -> [String] {
    plan.fusions.filter { $0.rule == BatchNormFoldRule.name }.map { fusion in
      ([fusion.producer] + fusion.fusedNodes).map { plan.graph.nodes[$0].name }.joined(separator: ">")
    }
  }

  static func value(_ plan: ExecutionPlan, _ name: String) -> ValueID {
    plan.graph.nodes.first { $0.name == name }!.outputs[0]
  }

  @Test func foldsOnlyAConvolutionWithoutActivationFeedingOnlyTheBatchnorm() throws {
    let expected = ["c1>b1>r1", "c2>b2>l2", "c5>b5"]
    #expect(Self.folds(try Self.plan(training: false)) == expected)
    #expect(Self.folds(try Self.plan(training: true)) == expected)
    #expect(Self.folds(try Self.plan(training: false, excluding: [BatchNormFoldRule.name])).isEmpty)
  }

  /// An inference plan runs the batchnorm and the activation inside the
  /// convolution: they have no steps, the last fused node's result lives in
  /// the convolution's output buffer, and the batchnorm's output and saved
  /// statistics have no buffers (the arena's peak need not fall: it is
  /// usually at a convolution, which now also holds the folded weights).
  @Test func anInferencePlanDropsTheFusedStepsAndBuffers() throws {
    let plan = try Self.plan(training: false)
    let unfused = try Self.plan(training: false, excluding: [BatchNormFoldRule.name])
    let stepNames = plan.forwardSteps.map { plan.graph.nodes[$0.node].name }
    for name in ["b1", "r1", "b2", "l2", "b5"] { #expect(!stepNames.contains(name)) }
    for name in ["b3", "b4", "r5", "b6"] { #expect(stepNames.contains(name)) }
    #expect(plan.valueBuffers[Self.value(plan, "r1")] == plan.valueBuffers[Self.value(plan, "c1")])
    #expect(plan.valueBuffers[Self.value(plan, "b1")] == nil)
    #expect(plan.valueBuffers[Self.value(plan, "b5")] == plan.valueBuffers[Self.value(plan, "c5")])
    let c1 = try #require(plan.forwardSteps.first { plan.graph.nodes[$0.node].name == "c1" })
    let folded = try #require(c1.foldedNormalization)
    #expect(plan.graph.nodes[folded.normalization].name == "b1")
    #expect(folded.activation.map { plan.graph.nodes[$0].name } == "r1")
    #expect(folded.output == nil)
    #expect(plan.buffers[folded.weight].size(capacity: 2) == 4 * 4 * 3 * 3)
    #expect(plan.buffers[folded.bias].size(capacity: 2) == 4)
    for name in ["b1", "b1 saved 0", "b1 saved 1", "r1"] {
      #expect(unfused.buffers.contains { $0.name == name })
      #expect(!plan.buffers.contains { $0.name == name })
    }
  }

  /// A training plan keeps every step as it was (no fusion on a backward
  /// step), for passes that a backward pass may follow; the convolution's
  /// forward step writes the last fused node's output in inference passes,
  /// and the fused nodes' steps skip those.
  @Test func aTrainingPlanKeepsItsTrainingSteps() throws {
    let plan = try Self.plan(training: true)
    let unfused = try Self.plan(training: true, excluding: [BatchNormFoldRule.name])
    #expect(plan.forwardSteps.map(\.node) == unfused.forwardSteps.map(\.node))
    #expect(plan.backwardSteps.map(\.node) == unfused.backwardSteps.map(\.node))
    #expect(!plan.backwardSteps.contains { $0.fusions.contains { $0.rule == BatchNormFoldRule.name } })
    let skipped = plan.forwardSteps.filter(\.skippedInInference).map { plan.graph.nodes[$0.node].name }
    #expect(skipped == ["b1", "r1", "b2", "l2", "b5"])
    let c1 = try #require(plan.forwardSteps.first { plan.graph.nodes[$0.node].name == "c1" })
    #expect(c1.foldedNormalization?.output == plan.valueBuffers[Self.value(plan, "r1")])
    #expect(PlanText.plan(plan).contains("  batchnorm-fold: c1 -> b1 -> r1 (inference passes only)\n"))
  }

  /// `netspec plan` shows the fold with the nodes it takes in.
  @Test func planTextShowsTheFold() throws {
    let text = PlanText.plan(try Self.plan(training: false))
    #expect(text.contains("  batchnorm-fold: c1 -> b1 -> r1 (absorbed)\n"))
    let words = text.split(separator: " ").joined(separator: " ")
    #expect(words.contains("\n fusion batchnorm-fold (producer, with b1)\n foldedWeight c1 folded weight @"))
  }
}
