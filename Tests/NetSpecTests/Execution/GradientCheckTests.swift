import NetSpecKernels
import Testing

@testable import NetSpec

/// Every op in the registry has kernels and examples, and on every example its
/// analytic gradients match central finite differences of L = sum(y * w).
@Suite struct GradientCheckTests {
  static let cases: [(String, Int)] = OpRegistry.all.flatMap { type -> [(String, Int)] in
    guard let executable = type as? any ExecutableOperator.Type else { return [(type.schema.name, -1)] }
    return executable.examples.indices.map { (type.schema.name, $0) }
  }

  @Test func everyOpIsExecutableWithExamples() {
    for type in OpRegistry.all {
      let executable = type as? any ExecutableOperator.Type
      #expect(executable != nil, "`\(type.schema.name)` has no kernels (conform it to ExecutableOperator)")
      #expect(executable?.examples.isEmpty == false, "`\(type.schema.name)` has no examples")
    }
  }

  @Test(arguments: cases)
  func gradientsMatchFiniteDifferences(op name: String, example index: Int) throws {
    guard index >= 0, let type = OpRegistry.op(named: name) as? any ExecutableOperator.Type else { return }
    try Self.checkGradients(type, type.examples[index], "\(name) example \(index)")
  }

  /// Every activation a layer can fuse, fused into a dense and a convolution
  /// layer: a new entry of ``ActivationKernel/fusable`` is checked here.
  @Test(arguments: ActivationKernel.fusable.map(\.name))
  func fusedActivationGradientsMatchFiniteDifferences(activation: String) throws {
    try Self.checkGradients(
      Dense.self, OpExample(["units": .int(3), "activation": .string(activation)], inputs: [.batch(4)]),
      "dense with \(activation)")
    try Self.checkGradients(
      Conv2D.self,
      OpExample(
        ["filters": .int(2), "kernel": .int(3), "padding": .int(1), "activation": .string(activation)],
        inputs: [.batch(2, 4, 4)]),
      "conv2d with \(activation)")
  }

  /// Checks every input and parameter gradient of `type` on `example` against
  /// central finite differences.
  static func checkGradients(_ type: any ExecutableOperator.Type, _ example: OpExample, _ name: String) throws {
    let harness = try OpHarness(type, example)
    let analytic = harness.run(backward: true)
    let epsilon: Float = 1e-2
    func check(_ label: String, _ j: Int, _ gradient: Float, _ set: (Float) -> Void, original: Float) {
      set(original + epsilon)
      let plus = harness.evaluate()
      set(original - epsilon)
      let minus = harness.evaluate()
      set(original)
      let numeric = Float((plus - minus) / Double(2 * epsilon))
      let tolerance = 2e-2 * max(1, abs(numeric), abs(gradient))
      #expect(
        abs(numeric - gradient) <= tolerance,
        "\(name): d\(label)[\(j)] analytic \(gradient) numeric \(numeric)")
    }
    for i in harness.inputs.indices where harness.isDifferentiable(input: i) {
      for j in OpHarness.probes(harness.inputs[i].count) {
        check(
          "input\(i)", j, analytic.inputGradients[i][j], { harness.inputs[i][j] = $0 }, original: harness.inputs[i][j])
      }
    }
    for p in harness.parameters.indices {
      for j in OpHarness.probes(harness.parameters[p].count) {
        check(
          "param\(p)", j, analytic.parameterGradients[p][j], { harness.parameters[p][j] = $0 },
          original: harness.parameters[p][j])
      }
    }
  }

  /// Backward kernels add into gradients when told to accumulate (a value used
  /// twice, tied weights), instead of overwriting them.
  @Test(arguments: cases)
  func backwardAccumulatesWhenAsked(op name: String, example index: Int) throws {
    guard index >= 0, let type = OpRegistry.op(named: name) as? any ExecutableOperator.Type else { return }
    let harness = try OpHarness(type, type.examples[index])
    let written = harness.run(backward: true)
    let accumulated = harness.run(backward: true, accumulateInputs: true, preset: 1)
    for i in written.inputGradients.indices where harness.isDifferentiable(input: i) {
      for j in written.inputGradients[i].indices {
        #expect(abs(accumulated.inputGradients[i][j] - written.inputGradients[i][j] - 1) < 1e-4)
      }
    }
    for p in written.parameterGradients.indices {
      for j in written.parameterGradients[p].indices {
        #expect(abs(accumulated.parameterGradients[p][j] - written.parameterGradients[p][j] - 1) < 1e-4)
      }
    }
  }
}

extension OpHarness {
  /// The objective of a forward pass with the current inputs and parameters.
  func evaluate() -> Double { run(backward: false).objective }
}
