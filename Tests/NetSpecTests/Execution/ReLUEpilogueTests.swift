import NetSpecDiagnostics
import NetSpecKernels
import Testing

@testable import NetSpec

/// The `relu-epilogue` fusion (``ReLUEpilogueRule``): a batchnorm whose output
/// only a ReLU reads stores the ReLU's output and takes the ReLU's output
/// gradient, masking it itself.
@Suite struct ReLUEpilogueTests {
  /// ResNet's basic block with a projection shortcut (bn -> relu twice, one of
  /// them after `[N, C]` features), and a batchnorm feeding an addition.
  static let block = """
    \(planes)
      - dense: 5
      - batchnorm: {eps: 0.1, name: bn2}
      - relu: {name: act2}
      - dense: {units: 3, name: logits}
    \(train)
    """

  static let planes = """
    netspec: 1
    inputs: {x: [N, 3, 6, 6]}
    layers:
      - conv2d: {filters: 4, kernel: 3, padding: 1, bias: false}
      - batchnorm: {name: bn1}
      - relu: {name: act1}
      - conv2d: {filters: 4, kernel: 3, padding: 1, bias: false}
      - batchnorm: {name: body}
      - conv2d: {filters: 4, kernel: 1, bias: false, from: act1, name: downsample}
      - batchnorm: {name: shortcut}
      - add: {from: [body, shortcut]}
      - relu: {name: merged}
      - global_avgpool
    """

  static let train = "train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.1}}}"

  let harness = InterpreterTests()

  static func plan(_ yaml: String = block, excluding: Set<String> = [], training: Bool = true) throws
    -> ExecutionPlan
  {
    var diagnostics = DiagnosticBag()
    let spec = try #require(Frontend.check(SourceFile(path: "t.yaml", text: yaml), &diagnostics))
    return try Planner.plan(spec.graph, capacity: 4, training: training, excludingFusions: excluding)
  }

  @Test func batchnormsFeedingOnlyAReLUAbsorbIt() throws {
    let plan = try Self.plan()
    let graph = plan.graph
    let name = { (node: NodeID) in graph.nodes[node].name }
    let fused = plan.fusions.filter { $0.rule == ReLUEpilogueRule.name }
    #expect(fused.map { "\(name($0.producer))->\(name($0.consumer))" } == ["bn1->act1", "bn2->act2"])
    #expect(fused.allSatisfy { $0.absorbsConsumer })
    // The ReLUs have no steps; their outputs live in the batchnorms' buffers.
    #expect(!(plan.forwardSteps + plan.backwardSteps).contains { ["act1", "act2"].contains(name($0.node)) })
    for fusion in fused {
      let (producer, consumer) = (graph.nodes[fusion.producer], graph.nodes[fusion.consumer])
      #expect(plan.valueBuffers[producer.outputs[0]] == plan.valueBuffers[consumer.outputs[0]])
      #expect(plan.gradientBuffers[producer.outputs[0]] == nil)
      let backward = try #require(plan.backwardSteps.first { $0.node == fusion.producer })
      #expect(backward.fusedReLUGradient == plan.gradientBuffers[consumer.outputs[0]])
      #expect(plan.forwardSteps.first { $0.node == fusion.producer }?.fusedReLU == true)
    }
    // `merged` follows an addition; `body` and `shortcut` feed one.
    #expect(!plan.forwardSteps.contains { $0.fusedReLU && ["body", "shortcut"].contains(name($0.node)) })
    #expect(PlanText.plan(plan).contains("relu-epilogue: bn1 -> act1 (absorbed)"))
  }

  /// An inference plan folds conv -> bn -> relu into the convolution
  /// (`batchnorm-fold` comes first); the batchnorm after a dense layer keeps
  /// its ReLU epilogue.
  @Test func foldedBatchnormsAreNotProducers() throws {
    let plan = try Self.plan(training: false)
    let rules = plan.fusions.map { "\($0.rule) \(plan.graph.nodes[$0.producer].name)" }
    #expect(rules.contains("relu-epilogue bn2"))
    #expect(!rules.contains("relu-epilogue bn1"))
  }

  /// Every parameter's gradient (a few probes each) against central
  /// differences of the loss, on the planes. The step is 1e-3, not the
  /// harness's 1e-2: with 4 samples, batch statistics put some normalized
  /// values within 1e-2 of the ReLU's kink (the unfused plan misses the
  /// harness's tolerance there too). `bn2`'s 4 values per channel come within
  /// 1e-3 of it; fusedEqualsUnfused holds it to the separate ops, which
  /// GradientCheckTests check.
  @Test func fusedGradientsMatchFiniteDifferences() throws {
    let plan = try Self.plan(Self.planes + "\n  - dense: {units: 3, name: logits}\n" + Self.train)
    #expect(plan.fusions.contains { $0.rule == ReLUEpilogueRule.name })
    let interpreter = Interpreter(plan: plan, seed: 1)
    harness.fill(interpreter, batch: 4)
    interpreter.forward(batch: 4, training: true)
    interpreter.backward(batch: 4)
    for (id, parameter) in interpreter.plan.graph.parameters.enumerated() where parameter.trainable {
      let values = interpreter.parameter(id)
      let analytic = Array(try #require(interpreter.parameterGradient(id)))
      for j in OpHarness.probes(values.count, limit: 6) {
        let original = values[j]
        var losses: [Double] = []
        for step: Float in [1e-3, -1e-3] {
          values[j] = original + step
          interpreter.forward(batch: 4, training: true)
          losses.append(Double(interpreter.loss))
        }
        values[j] = original
        let numeric = Float((losses[0] - losses[1]) / 2e-3)
        #expect(abs(numeric - analytic[j]) <= 1e-2 * max(1, abs(numeric)), "\(parameter.name)[\(j)]")
      }
    }
  }

  /// The fused plan computes the unfused plan's loss, gradients and running
  /// statistics bit for bit, training and not (then backward through the
  /// running statistics).
  @Test(arguments: [true, false])
  func fusedEqualsUnfused(training: Bool) throws {
    let results = try [[ReLUEpilogueRule.name], []].map { excluded in
      let interpreter = Interpreter(plan: try Self.plan(excluding: Set(excluded)), seed: 5)
      harness.fill(interpreter, batch: 4)
      interpreter.forward(batch: 4, training: training)
      interpreter.backward(batch: 4)
      let graph = interpreter.plan.graph
      let gradients = graph.parameters.indices.flatMap { interpreter.parameterGradient($0).map(Array.init) ?? [] }
      let parameters = graph.parameters.indices.flatMap { Array(interpreter.parameter($0)) }
      return (interpreter.loss, gradients, parameters)
    }
    #expect(results[0].0 == results[1].0)
    #expect(results[0].1 == results[1].1)
    #expect(results[0].2 == results[1].2)
  }
}
