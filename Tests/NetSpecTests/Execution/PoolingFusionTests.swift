import NetSpecKernels
import Testing

@testable import NetSpec

/// The planner's pooling fusion: a convolution whose output feeds only a max or
/// average pooling runs it in its output pass and takes its pre-activation
/// gradient straight from the pooled gradient.
@Suite struct PoolingFusionTests {
  /// Each activation kind (from the output: tanh, ReLU; from the saved
  /// pre-activation: GELU; none) before each pooling kind, with padding,
  /// overlapping windows and `count_include_pad: false`; `c3` is frozen, so its
  /// fused backward pass computes only the input gradient.
  static let chain = """
    netspec: 1
    inputs: {x: [N, 2, 8, 8]}
    layers:
      - conv2d: {filters: 3, kernel: 3, padding: 1, activation: tanh, name: c1}
      - maxpool2d: {kernel: 2, name: p1}
      - conv2d: {filters: 4, kernel: 3, activation: relu, name: c2}
      - avgpool2d: {kernel: 3, stride: 1, padding: 1, count_include_pad: false, name: p2}
      - conv2d: {filters: 3, kernel: 1, activation: gelu, trainable: false, name: c3}
      - maxpool2d: {kernel: 3, stride: 2, padding: 1, name: p3}
      - conv2d: {filters: 2, kernel: 1, name: c4}
      - avgpool2d: {kernel: 1, name: p4}
      - flatten
      - dense: {units: 3, name: logits}
    train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.1}}}
    """

  /// A convolution whose output also feeds an addition is not fused.
  static let branched = """
    netspec: 1
    inputs: {x: [N, 2, 6, 6]}
    layers:
      - conv2d: {filters: 2, kernel: 3, padding: 1, activation: relu, name: c1}
      - maxpool2d: {kernel: 2, name: p1}
      - conv2d: {filters: 2, kernel: 3, padding: 1, activation: tanh, name: c2, from: x}
      - add: {from: [c1, c2], name: sum}
      - flatten
      - dense: {units: 3, name: logits}
      - flatten: {from: p1, name: side}
      - dense: {units: 3, name: extra}
    outputs: [logits, extra]
    train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.1}}}
    """

  let harness = InterpreterTests()

  @Test func convolutionsFeedingOnlyAPoolingAreFused() throws {
    let plan = try harness.makeInterpreter(Self.chain).plan
    let name = { (node: NodeID) in plan.graph.nodes[node].name }
    let fused = plan.forwardSteps.compactMap { step in step.fusedPooling.map { (name(step.node), name($0.node)) } }
    #expect(fused.map(\.0) == ["c1", "c2", "c3", "c4"])
    #expect(fused.map(\.1) == ["p1", "p2", "p3", "p4"])
    #expect(!plan.forwardSteps.contains { name($0.node).hasPrefix("p") })
    #expect(!plan.backwardSteps.contains { name($0.node).hasPrefix("p") })
    #expect(plan.backwardSteps.filter { $0.fusedPooling?.outputGradient != nil }.count == 4)
    // The convolutions' own outputs get no gradient buffers.
    let convolutionOutputs = plan.graph.nodes.filter { $0.name.hasPrefix("c") }.map { $0.outputs[0] }
    #expect(convolutionOutputs.allSatisfy { plan.gradientBuffers[$0] == nil })
  }

  @Test func aConvolutionWithAnotherConsumerIsNotFused() throws {
    let plan = try harness.makeInterpreter(Self.branched).plan
    #expect(!plan.forwardSteps.contains { $0.fusedPooling != nil })
  }

  @Test func fusedGradientsMatchFiniteDifferences() throws {
    try harness.expectGradientsMatchFiniteDifferences(harness.makeInterpreter(Self.chain))
  }

  /// The pooled output equals max pooling of the convolution's output, computed here.
  @Test func fusedForwardPoolsTheConvolutionsOutput() throws {
    let interpreter = try harness.makeInterpreter(Self.chain)
    harness.fill(interpreter, batch: 4)
    interpreter.forward(batch: 4, training: true)
    let graph = interpreter.plan.graph
    let c1 = try #require(graph.nodes.first { $0.name == "c1" })
    let p1 = try #require(graph.nodes.first { $0.name == "p1" })
    let convolved = interpreter.buffer(of: c1.outputs[0])
    let pooled = interpreter.buffer(of: p1.outputs[0])
    for plane in 0..<(4 * 3) {
      for oh in 0..<4 {
        for ow in 0..<4 {
          var best = -Float.infinity
          for ih in (2 * oh)..<(2 * oh + 2) {
            for iw in (2 * ow)..<(2 * ow + 2) { best = max(best, convolved[plane * 64 + ih * 8 + iw]) }
          }
          #expect(pooled[plane * 16 + oh * 4 + ow] == best)
        }
      }
    }
  }
}
