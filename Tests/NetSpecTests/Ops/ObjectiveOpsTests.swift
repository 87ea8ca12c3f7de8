import NetSpecDiagnostics
import Testing

@testable import NetSpec

private let n = Dim.symbol("N")
private let t = Dim.symbol("T")

/// `cross_entropy`'s class axis and options, `kl_divergence` and the
/// `reduction` every loss takes.
@Suite struct ObjectiveOpsTests {
  @Test(
    arguments: [
      (["axis": .int(1)], TensorType([n, Dim(10), t]), TensorType([n, t], .int32)),
      (["axis": .int(1)], TensorType([n, Dim(21), Dim(8), Dim(8)]), TensorType([n, Dim(8), Dim(8)], .int32)),
      (["axis": .int(-1)], TensorType([n, Dim(4), Dim(6)]), TensorType([n, Dim(4)], .int32)),
      (["axis": .int(2)], TensorType([n, t, Dim(6), Dim(3)]), TensorType([n, t, Dim(3)], .int32)),
      ([:], TensorType([n, t, Dim(6)]), TensorType([n, t], .int32)),
    ] as [([String: SpecValue.Kind], TensorType, TensorType)])
  func crossEntropyClassAxis(_ attributes: [String: SpecValue.Kind], logits: TensorType, target: TensorType) throws {
    let loss = CrossEntropyLoss(Attributes(CrossEntropyLoss.schema, attributes))
    #expect(try loss.targetType(for: logits) == target)
    #expect(try loss.infer([logits, target]).outputs == [TensorType([])])
  }

  @Test func crossEntropyLayoutOfTheKernels() {
    let pixels = CrossEntropyLoss(Attributes(CrossEntropyLoss.schema, ["axis": .int(1)]))
    #expect(pixels.layout([21, 8, 8]) == (21, 64))
    let last = CrossEntropyLoss(Attributes(CrossEntropyLoss.schema))
    #expect(last.layout([7, 5]) == (5, 1))
  }

  @Test(arguments: [
    ShapeErrorCase(
      OpCall(CrossEntropyLoss.self, [:], TensorType([n, Dim(10), t]), TensorType([n, Dim(10)], .int32)),
      .badLoss, input: 0, mentions: ["last axis", "not fixed"], help: "`axis: 1`"),
    ShapeErrorCase(
      OpCall(CrossEntropyLoss.self, ["axis": .int(0)], TensorType([n, Dim(10)]), TensorType([n], .int32)),
      .badLoss, attribute: "axis", mentions: ["axis 0 is not a class axis"], help: "axis 0 is the batch"),
    ShapeErrorCase(
      OpCall(CrossEntropyLoss.self, ["axis": .int(3)], TensorType([n, Dim(10)]), TensorType([n], .int32)),
      .badLoss, attribute: "axis", mentions: ["axis 3"]),
    ShapeErrorCase(
      OpCall(CrossEntropyLoss.self, ["axis": .int(1)], TensorType([n, t, Dim(4)]), TensorType([n, Dim(4)], .int32)),
      .badLoss, attribute: "axis", mentions: ["no fixed size"]),
    ShapeErrorCase(
      OpCall(
        CrossEntropyLoss.self, ["axis": .int(1)], TensorType([n, Dim(3), Dim(4), Dim(4)]),
        TensorType([n, Dim(3), Dim(4)], .int32)),
      .badLoss, input: 1, mentions: ["expected target int32[N, 4, 4]"]),
    ShapeErrorCase(
      OpCall(KLDivergenceLoss.self, [:], TensorType([n, Dim(8)]), TensorType([n, Dim(4)])),
      .badLoss, input: 1, mentions: ["differ in shape"], help: "same number of units"),
    ShapeErrorCase(
      OpCall(KLDivergenceLoss.self, [:], TensorType([n]), TensorType([n])),
      .badLoss, input: 0, mentions: ["float32 [N, D]"]),
    ShapeErrorCase(
      OpCall(KLDivergenceLoss.self, [:], TensorType([n, Dim(2)]), TensorType([n, Dim(2)], .int32)),
      .badLoss, input: 1, mentions: ["log-variance"]),
  ])
  func errors(_ c: ShapeErrorCase) {
    expectShapeError(c)
  }

  @Test func klDivergenceIsAScalarObjectiveWithoutTarget() throws {
    let kl = KLDivergenceLoss(Attributes(KLDivergenceLoss.schema))
    let inference = try kl.infer([TensorType([n, Dim(16)]), TensorType([n, Dim(16)])])
    #expect(inference.outputs == [TensorType([])])
    #expect(!(kl is any LossOperator))
    #expect(OpRegistry.op(named: "kl_divergence") == KLDivergenceLoss.self)
    #expect(kl.reduction == .mean)
  }

  @Test(
    arguments: [MSELoss.self, CrossEntropyLoss.self, BinaryCrossEntropyLoss.self, KLDivergenceLoss.self]
      as [any Operator.Type])
  func everyLossTakesAReduction(_ op: any Operator.Type) {
    let reduction = op.schema.attributes.first { $0.name == "reduction" }
    guard case .choice(let words)? = reduction?.kind else {
      Issue.record("\(op.schema.name) has no `reduction` choice")
      return
    }
    #expect(words == ["mean", "sum"])
  }

  @Test func lossSumIsNotASpecOp() throws {
    #expect(OpRegistry.op(named: LossSum.schema.name) == nil)
    let span = SourceSpan(file: SourceFile(path: "t.yaml", text: ""), from: 0, to: 0)
    let sum = LossSum(LossSum.attributes(weights: [1, 0.5], span: span))
    #expect(sum.weights == [1, 0.5])
    #expect(try sum.infer([TensorType([]), TensorType([])]).outputs == [TensorType([])])
    #expect(throws: ShapeError.self) { try sum.infer([TensorType([n])]) }
  }
}
