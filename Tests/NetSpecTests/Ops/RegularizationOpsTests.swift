import NetSpecDiagnostics
import Testing

@testable import NetSpec

private let n = Dim.symbol("N")
private let t = Dim.symbol("T")

@Suite struct RegularizationOpsTests {
  @Test(arguments: [TensorType([n, 4096]), TensorType([n, t, 512]), TensorType([n, 64, 8, 8])])
  func dropoutIsTheIdentityInShape(input: TensorType) throws {
    try expectParameterlessInference(
      OpCall(Dropout.self, ["rate": .float(0.1)], input), output: input, flops: input.shape.elementCount!.scaled(2))
  }

  @Test func dropoutRejectsIntegers() {
    expectShapeError(
      ShapeErrorCase(
        OpCall(Dropout.self, [:], TensorType([n, t], .int32)), .shapeMismatch, input: 0,
        mentions: ["expected float32", "got int32 [N, T]"]))
  }

  @Test func dropoutRate() {
    #expect(Dropout(Attributes(Dropout.schema)).rate == 0.5)
    #expect(Dropout(Attributes(Dropout.schema, ["rate": .float(0.1)])).rate == 0.1)
    #expect(Dropout(Attributes(Dropout.schema, ["rate": .int(0)])).rate == 0)
    #expect(Dropout.schema.primary == "rate" && Dropout.schema.category == .regularization)
    guard case .float(let range, let exclusiveUpper)? = Dropout.schema.attribute(named: "rate")?.kind else {
      Issue.record("rate should be a number")
      return
    }
    #expect(range == 0...1 && exclusiveUpper)
  }
}
