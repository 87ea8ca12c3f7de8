import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// The declared fusion rules (``FusionRules``) as the planner applies them:
/// where they match, what they record in the plan and in its steps.
@Suite struct FusionRuleTests {
  /// The convolution feeds only a pooling; `a` and `b` end in a ReLU and
  /// feed only dense layers.
  static func spec(frozen: Bool) -> String {
    """
    netspec: 1
    inputs: {x: [N, 1, 6, 6]}
    layers:
      - conv2d: {filters: 2, kernel: 3, padding: 1, activation: relu, trainable: \(!frozen), name: c}
      - maxpool2d: {kernel: 2, name: p}
      - flatten
      - dense: {units: 8, activation: relu, trainable: \(!frozen), name: a}
      - dense: {units: 8, activation: relu, name: b}
      - dense: {units: 3, name: logits}
    train: {loss: cross_entropy, optimizer: sgd}
    """
  }

  /// The plan of ``spec(frozen:)``: with `frozen`, nothing before `b` trains,
  /// so `c` and `a` have no backward steps.
  static func plan(training: Bool, frozen: Bool = false) throws -> ExecutionPlan {
    var diagnostics = DiagnosticBag()
    let spec = try #require(Frontend.check(SourceFile(path: "t.yaml", text: spec(frozen: frozen)), &diagnostics))
    return try Planner.plan(spec.graph, capacity: 2, training: training)
  }

  static func names(_ plan: ExecutionPlan) -> [String] {
    plan.fusions.map { "\($0.rule) \(plan.graph.nodes[$0.producer].name)->\(plan.graph.nodes[$0.consumer].name)" }
  }

  @Test func rulesHaveDistinctNames() {
    let names = FusionRules.all.map(\.name)
    #expect(Set(names).count == names.count)
    #expect(names.allSatisfy { FusionRules.rule(named: $0)?.name == $0 })
  }

  /// The ReLU mask changes only the backward pass: it needs backward steps on
  /// both sides (not a frozen `a`, nor any node of an inference plan); the
  /// pooling fusion applies in every plan.
  @Test func backwardOnlyRulesNeedBothBackwardSteps() throws {
    #expect(
      Self.names(try Self.plan(training: true))
        == ["pooling-epilogue c->p", "relu-mask a->b", "relu-mask b->logits"])
    #expect(
      Self.names(try Self.plan(training: true, frozen: true)) == ["pooling-epilogue c->p", "relu-mask b->logits"])
    #expect(Self.names(try Self.plan(training: false)) == ["pooling-epilogue c->p"])
  }

  /// Each fusion shows on its steps: a forward-pass rule on the producer's
  /// forward step, both sides' backward steps, and no step for an absorbed
  /// consumer, whose producer's output gradient the rule hands over.
  @Test func fusionsAreRecordedOnTheirSteps() throws {
    let plan = try Self.plan(training: true)
    for fusion in plan.fusions {
      let rule = try #require(FusionRules.rule(named: fusion.rule))
      let forward = plan.forwardSteps.first { $0.node == fusion.producer }
      #expect((forward?.fusion(fusion.rule, side: .producer) != nil) == !rule.backwardOnly)
      let producer = try #require(plan.backwardSteps.first { $0.node == fusion.producer })
      #expect(producer.fusion(fusion.rule, side: .producer)?.partner == fusion.consumer)
      let consumerSteps = (plan.forwardSteps + plan.backwardSteps).filter { $0.node == fusion.consumer }
      if fusion.absorbsConsumer {
        #expect(consumerSteps.isEmpty)
        #expect(producer.outputGradients.isEmpty)
      } else {
        #expect(consumerSteps.last?.fusion(fusion.rule, side: .consumer)?.partner == fusion.producer)
      }
    }
  }

  /// `netspec plan` names each fusion and each step's part in it.
  @Test func planTextShowsTheFusions() throws {
    let text = PlanText.plan(try Self.plan(training: true))
    #expect(text.contains("fusions\n  pooling-epilogue: c -> p (absorbed)\n"))
    #expect(text.contains("  relu-mask: b -> logits\n"))
    let words = text.split(separator: " ").joined(separator: " ")
    #expect(words.contains("\n fusion relu-mask (consumer, with b)\n reluMask b @"))
  }
}
