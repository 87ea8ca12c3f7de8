import NetSpecDiagnostics
import Testing

@testable import NetSpec

private let n = Dim.symbol("N")
private let t = Dim.symbol("T")

/// A loss, its prediction, and the target type it must ask for.
private struct TargetCase: Sendable, CustomTestStringConvertible {
  var op: any LossOperator.Type
  var prediction: TensorType
  var target: TensorType
  /// Forward FLOPs per prediction element.
  var flops: Int

  var testDescription: String { "\(op.schema.name) \(prediction) -> \(target)" }
}

@Suite struct LossOpsTests {
  @Test(arguments: [
    TargetCase(
      op: CrossEntropyLoss.self, prediction: TensorType([n, Dim(10)]), target: TensorType([n], .int32), flops: 4),
    TargetCase(
      op: CrossEntropyLoss.self, prediction: TensorType([n, t, Dim(50_000)]),
      target: TensorType([n, t], .int32), flops: 4),
    TargetCase(op: BinaryCrossEntropyLoss.self, prediction: TensorType([n]), target: TensorType([n]), flops: 6),
    TargetCase(
      op: BinaryCrossEntropyLoss.self, prediction: TensorType([n, Dim(1)]), target: TensorType([n, Dim(1)]), flops: 6),
    TargetCase(
      op: BinaryCrossEntropyLoss.self, prediction: TensorType([n, Dim(5)]), target: TensorType([n, Dim(5)]), flops: 6),
    TargetCase(op: MSELoss.self, prediction: TensorType([n]), target: TensorType([n]), flops: 3),
    TargetCase(
      op: MSELoss.self, prediction: TensorType([n, Dim(3), Dim(32), Dim(32)]),
      target: TensorType([n, Dim(3), Dim(32), Dim(32)]), flops: 3),
  ])
  fileprivate func targetTypeAndScalarOutput(_ c: TargetCase) throws {
    let loss = c.op.init(Attributes(c.op.schema))
    #expect(try loss.targetType(for: c.prediction) == c.target)
    let inference = try loss.infer([c.prediction, c.target])
    #expect(inference.outputs == [TensorType([])])
    #expect(inference.parameters.isEmpty)
    #expect(inference.flops == c.prediction.shape.elementCount?.scaled(c.flops))
  }

  @Test(arguments: [MSELoss.self, CrossEntropyLoss.self, BinaryCrossEntropyLoss.self] as [any LossOperator.Type])
  func schemas(_ op: any LossOperator.Type) {
    #expect(op.schema.category == .loss)
    #expect(op.schema.inputs == .exactly(2))
    #expect(OpRegistry.op(named: op.schema.name) == op)
  }

  @Test func labelSmoothing() {
    #expect(CrossEntropyLoss(Attributes(CrossEntropyLoss.schema)).labelSmoothing == 0)
    let smoothed = CrossEntropyLoss(Attributes(CrossEntropyLoss.schema, ["label_smoothing": .float(0.1)]))
    #expect(smoothed.labelSmoothing == 0.1)
  }

  @Test(arguments: [
    // cross_entropy: the logits (input 0).
    ShapeErrorCase(
      OpCall(CrossEntropyLoss.self, [:], TensorType([n, Dim(10)], .int32), TensorType([n], .int32)),
      .badLoss, input: 0, mentions: ["float32 logits", "int32[N, 10]"],
      help: "pass the scores of the last `dense` layer as the logits"),
    ShapeErrorCase(
      OpCall(CrossEntropyLoss.self, [:], TensorType([n]), TensorType([n], .int32)),
      .badLoss, input: 0, mentions: ["[N, C] or [N, T, C]", "got [N]"], help: "`dense: C`"),
    ShapeErrorCase(
      OpCall(CrossEntropyLoss.self, [:], TensorType([n, Dim(10), Dim(5), Dim(5)]), TensorType([n], .int32)),
      .badLoss, input: 0, mentions: ["classes last", "got [N, 10, 5, 5]"], help: "`axis: 1`"),
    ShapeErrorCase(
      OpCall(CrossEntropyLoss.self, [:], TensorType([n, Dim(1)]), TensorType([n], .int32)),
      .badLoss, input: 0, mentions: ["at least 2 classes", "[N, 1]"],
      help: "use `binary_cross_entropy`"),
    // cross_entropy: the target (input 1).
    ShapeErrorCase(
      OpCall(CrossEntropyLoss.self, [:], TensorType([n, Dim(10)]), TensorType([n])),
      .badLoss, input: 1, mentions: ["int32[N]", "logits [N, 10]", "got float32[N]"],
      help: "declare the target with `dtype: int32`"),
    ShapeErrorCase(
      OpCall(CrossEntropyLoss.self, [:], TensorType([n, Dim(10)]), TensorType([n, Dim(10)])),
      .badLoss, input: 1, mentions: ["int32[N]", "got float32[N, 10]"],
      help: "not one-hot vectors"),
    ShapeErrorCase(
      OpCall(CrossEntropyLoss.self, [:], TensorType([n, t, Dim(10)]), TensorType([n], .int32)),
      .badLoss, input: 1, mentions: ["int32[N, T]", "logits [N, T, 10]", "got int32[N]"],
      help: "one int32 class index per position of the logits, shape [N, T]"),
    // binary_cross_entropy
    ShapeErrorCase(
      OpCall(BinaryCrossEntropyLoss.self, [:], TensorType([n], .int32), TensorType([n])),
      .badLoss, input: 0, mentions: ["float32 logits", "int32[N]"], help: "last `dense` layer"),
    ShapeErrorCase(
      OpCall(BinaryCrossEntropyLoss.self, [:], TensorType([]), TensorType([])),
      .badLoss, input: 0, mentions: ["logits with a batch axis", "[N, 1, H, W]"], help: "`dense: 1`"),
    ShapeErrorCase(
      OpCall(BinaryCrossEntropyLoss.self, [:], TensorType([n, Dim(1)]), TensorType([n])),
      .badLoss, input: 1, mentions: ["float32[N, 1]", "logits [N, 1]", "got float32[N]"],
      help: "reshape the target to [N, 1]"),
    ShapeErrorCase(
      OpCall(BinaryCrossEntropyLoss.self, [:], TensorType([n, Dim(4)]), TensorType([n, Dim(4)], .int32)),
      .badLoss, input: 1, mentions: ["float32[N, 4]", "got int32[N, 4]"], help: "`dtype: float32`"),
    ShapeErrorCase(
      OpCall(BinaryCrossEntropyLoss.self, [:], TensorType([n, Dim(4)]), TensorType([n, Dim(3)])),
      .badLoss, input: 1, mentions: ["float32[N, 4]", "got float32[N, 3]"],
      help: "one 0/1 label per logit, shape [N, 4]"),
    // mse
    ShapeErrorCase(
      OpCall(MSELoss.self, [:], TensorType([n], .int32), TensorType([n])),
      .badLoss, input: 0, mentions: ["float32 prediction", "int32[N]"], help: "not an integer input"),
    ShapeErrorCase(
      OpCall(MSELoss.self, [:], TensorType([]), TensorType([])),
      .badLoss, input: 0, mentions: ["batch axis", "scalar []"], help: "per-example output"),
    ShapeErrorCase(
      OpCall(MSELoss.self, [:], TensorType([n]), TensorType([n, Dim(1)])),
      .badLoss, input: 1, mentions: ["float32[N]", "prediction [N]", "got float32[N, 1]"],
      help: "reshape the target to [N]"),
    ShapeErrorCase(
      OpCall(MSELoss.self, [:], TensorType([n, Dim(2)]), TensorType([n, Dim(2)], .int32)),
      .badLoss, input: 1, mentions: ["got int32[N, 2]"], help: "`dtype: float32`"),
    ShapeErrorCase(
      OpCall(MSELoss.self, [:], TensorType([n, Dim(2)]), TensorType([t, Dim(2)])),
      .badLoss, input: 1, mentions: ["float32[N, 2]", "got float32[T, 2]"],
      help: "one value per prediction element, shape [N, 2]"),
  ])
  func errors(_ c: ShapeErrorCase) {
    expectShapeError(c)
  }

  @Test(arguments: [MSELoss.self, CrossEntropyLoss.self, BinaryCrossEntropyLoss.self] as [any LossOperator.Type])
  func targetTypeRejectsWhatInferRejects(_ op: any LossOperator.Type) {
    let loss = op.init(Attributes(op.schema))
    let error = #expect(throws: ShapeError.self) { _ = try loss.targetType(for: TensorType([n, t], .int32)) }
    #expect(error?.input == 0)
    #expect(error?.code == .badLoss)
  }
}
