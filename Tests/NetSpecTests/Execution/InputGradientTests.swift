import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// `Planner.plan(..., inputGradients: true)` computes the gradients of the
/// model's float inputs (the oracle tests compare them with PyTorch's); by
/// default the plan leaves them out.
@Suite struct InputGradientTests {
  /// A model without parameters: without input gradients nothing needs a backward pass.
  static let spec = """
    netspec: 1
    inputs: {x: [N, 3], ids: {shape: [N, 2], dtype: int32}}
    layers:
      - embedding: {vocab: 4, dim: 3, from: ids, trainable: false}
      - flatten
      - relu: {from: x, name: r}
      - concat: {from: [r, flatten_1]}
    train: {loss: mse, optimizer: sgd}
    """

  @Test func floatInputsGetGradientsOnlyWhenAsked() throws {
    var diagnostics = DiagnosticBag()
    let checked = try #require(Frontend.check(SourceFile(path: "t.yaml", text: Self.spec), &diagnostics))
    let graph = checked.graph
    let (x, ids) = (graph.inputs[0], graph.inputs[1])
    let plain = try Planner.plan(graph, capacity: 2, training: true)
    #expect(plain.gradientBuffers[x] == nil)
    #expect(plain.backwardSteps.isEmpty)

    let plan = try Planner.plan(graph, capacity: 2, training: true, inputGradients: true)
    #expect(plan.gradientBuffers[ids] == nil, "token ids get no gradient")
    let interpreter = Interpreter(plan: plan, seed: 1)
    let input: [Float] = [0.5, -1, 2, -0.25, 1.5, 0]
    let buffer = interpreter.buffer(of: x)
    for i in input.indices { buffer[i] = input[i] }
    let id = interpreter.buffer(of: ids)
    for i in 0..<4 { id[i] = Float(i) }
    let target = interpreter.buffer(of: graph.targets[0])
    for i in 0..<target.count { target[i] = 0.1 }
    interpreter.forward(batch: 2, training: true)
    interpreter.backward(batch: 2)
    // d mean((y - t)^2) / dx = 2 (relu(x) - t) / M where x > 0, over the M = 2 * 9 outputs.
    let expected = input.map { $0 > 0 ? 2 * ($0 - 0.1) / 18 : 0 }
    let gradient = try #require(interpreter.gradient(of: x))
    for i in expected.indices { #expect(abs(gradient[i] - expected[i]) < 1e-6, "dx[\(i)]") }
  }
}
