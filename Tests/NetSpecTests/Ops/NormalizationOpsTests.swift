import NetSpecDiagnostics
import Testing

@testable import NetSpec

private let n = Dim.symbol("N")
private let t = Dim.symbol("T")
private let c = Dim.symbol("C")

@Suite struct NormalizationOpsTests {
  /// BatchNorm1d and BatchNorm2d: PyTorch counts 2C parameters (running statistics
  /// are buffers), e.g. 128 for ResNet's first `BatchNorm2d(64)`.
  @Test(arguments: [
    (TensorType([n, 64, 56, 56]), 64),
    (TensorType([n, 120]), 120),
    (TensorType([n, 16, t]), 16),
  ])
  func batchnormOwnsScaleShiftAndRunningStatistics(input: TensorType, channels: Int) throws {
    let inference = try OpCall(BatchNorm.self, [:], input).infer()
    #expect(inference.outputs == [input])
    #expect(
      inference.parameters == [
        ParameterSpec("weight", [channels], .ones), ParameterSpec("bias", [channels], .zeros),
      ])
    #expect(
      inference.buffers == [
        ParameterSpec("running_mean", [channels], .zeros), ParameterSpec("running_var", [channels], .ones),
      ])
    #expect(inference.parameters.map(\.count).reduce(0, +) == 2 * channels)
    #expect(inference.flops == input.shape.elementCount!.scaled(4))
  }

  /// GPT-2's `ln_1`: 2 * 768 = 1536 parameters.
  @Test(arguments: [(TensorType([n, t, 768]), 768), (TensorType([n, 10]), 10)])
  func layernormNormalizesTheLastAxis(input: TensorType, features: Int) throws {
    let inference = try OpCall(LayerNorm.self, [:], input).infer()
    #expect(inference.outputs == [input])
    #expect(
      inference.parameters == [
        ParameterSpec("weight", [features], .ones), ParameterSpec("bias", [features], .zeros),
      ])
    #expect(inference.parameters.map(\.count).reduce(0, +) == 2 * features)
    #expect(inference.buffers.isEmpty)
    #expect(inference.flops == input.shape.elementCount!.scaled(8))
  }

  /// AlexNet's `LocalResponseNorm(5)` after its first convolution; no parameters.
  @Test(arguments: [TensorType([n, 96, 55, 55]), TensorType([n, c, t])])
  func lrnKeepsTheShape(input: TensorType) throws {
    let inference = try OpCall(LocalResponseNorm.self, ["size": .int(5)], input).infer()
    #expect(inference.outputs == [input])
    #expect(inference.parameters.isEmpty && inference.buffers.isEmpty)
    #expect(inference.flops == input.shape.elementCount!.scaled(9))
  }

  @Test(arguments: [
    ShapeErrorCase(
      OpCall(BatchNorm.self, [:], TensorType([n, 64], .int32)), .shapeMismatch, input: 0,
      mentions: ["expected float32", "got int32 [N, 64]"]),
    ShapeErrorCase(
      OpCall(BatchNorm.self, [:], TensorType([n])), .rankMismatch, input: 0,
      mentions: ["expected an input of rank >= 2 [N, C, ...]", "got [N]"]),
    ShapeErrorCase(
      OpCall(BatchNorm.self, [:], TensorType([n, c, 4, 4])), .symbolicDimension, input: 0,
      mentions: ["channel count", "[N, C, 4, 4]", "`C`"]),
    ShapeErrorCase(
      OpCall(LayerNorm.self, [:], TensorType([n, t, 8], .int32)), .shapeMismatch, input: 0,
      mentions: ["expected float32", "got int32 [N, T, 8]"]),
    ShapeErrorCase(
      OpCall(LayerNorm.self, [:], TensorType([n])), .rankMismatch, input: 0,
      mentions: ["expected an input of rank >= 2 [N, ..., features]", "got [N]"]),
    ShapeErrorCase(
      OpCall(LayerNorm.self, [:], TensorType([n, 8, t])), .symbolicDimension, input: 0,
      mentions: ["feature size", "[N, 8, T]", "`T`"]),
    ShapeErrorCase(
      OpCall(LocalResponseNorm.self, ["size": .int(5)], TensorType([n, 96, 55, 55], .int32)),
      .shapeMismatch, input: 0, mentions: ["expected float32", "got int32 [N, 96, 55, 55]"]),
    ShapeErrorCase(
      OpCall(LocalResponseNorm.self, ["size": .int(5)], TensorType([n, 96])), .rankMismatch, input: 0,
      mentions: ["expected an input of rank >= 3 [N, C, ...]", "got [N, 96]"]),
  ])
  func shapeErrors(_ expected: ShapeErrorCase) {
    expectShapeError(expected)
  }

  @Test func attributesAndDefaults() {
    let bn = BatchNorm(Attributes(BatchNorm.schema))
    #expect(bn.momentum == 0.1 && bn.eps == 1e-5)
    #expect(LayerNorm(Attributes(LayerNorm.schema, ["eps": .float(1e-6)])).eps == 1e-6)
    let lrn = LocalResponseNorm(Attributes(LocalResponseNorm.schema, ["size": .int(5)]))
    #expect(lrn.size == 5 && lrn.alpha == 1e-4 && lrn.beta == 0.75 && lrn.k == 1)
    #expect(LocalResponseNorm.schema.primary == "size")
    for op: any Operator.Type in [BatchNorm.self, LayerNorm.self, LocalResponseNorm.self] {
      #expect(op.schema.category == .normalization)
    }
  }
}
