import NetSpecDiagnostics
import Testing

@testable import NetSpec

private let n = Dim.symbol("N")
private let c = Dim.symbol("C")
private let h = Dim.symbol("H")

private func image(_ channels: Dim, _ height: Dim, _ width: Dim) -> TensorType {
  TensorType([n, channels, height, width])
}

/// Calls that succeed, with their output and FLOPs (per output element times
/// the window area for the windowed pools).
private let shapeCases: [(OpCall, TensorType, Dim)] = [
  // LeNet-5: avgpool2d: 2 after each convolution.
  (OpCall(AvgPool2D.self, ["kernel": .int(2)], image(6, 28, 28)), image(6, 14, 14), n.scaled(6 * 14 * 14 * 4)!),
  (OpCall(MaxPool2D.self, ["kernel": .int(2)], image(16, 10, 10)), image(16, 5, 5), n.scaled(16 * 25 * 4)!),
  // ResNet stem: MaxPool2d(3, 2, 1).
  (
    OpCall(MaxPool2D.self, ["kernel": .int(3), "stride": .int(2), "padding": .int(1)], image(64, 112, 112)),
    image(64, 56, 56), n.scaled(64 * 56 * 56 * 9)!
  ),
  // AlexNet: MaxPool2d(3, 2), rounding down.
  (
    OpCall(MaxPool2D.self, ["kernel": .int(3), "stride": .int(2)], image(64, 55, 55)),
    image(64, 27, 27), n.scaled(64 * 27 * 27 * 9)!
  ),
  // A pair kernel strides by itself, per axis.
  (OpCall(MaxPool2D.self, ["kernel": specList(.int(2), .int(1))], image(1, 4, 4)), image(1, 2, 4), n.scaled(8 * 2)!),
  (
    OpCall(
      AvgPool2D.self, ["kernel": .int(3), "stride": .int(1), "padding": specList(.int(1), .int(0))], image(16, 5, 5)),
    image(16, 5, 3), n.scaled(16 * 15 * 9)!
  ),
  // Symbolic channels pass through.
  (OpCall(MaxPool2D.self, ["kernel": .int(2)], image(c, 8, 8)), image(c, 4, 4), n.multiplied(by: c)!.scaled(16 * 4)!),
  // Adaptive: AlexNet's 6x6 (13 -> 6 averages 6 windows of 3 per axis) and ResNet's
  // 1x1: one add per averaged cell and one divide per output cell.
  (
    OpCall(AdaptiveAvgPool2D.self, ["output": specList(.int(6), .int(6))], image(256, 13, 13)),
    image(256, 6, 6), n.scaled(256 * (18 * 18 + 36))!
  ),
  (OpCall(AdaptiveAvgPool2D.self, ["output": .int(1)], image(512, 7, 7)), image(512, 1, 1), n.scaled(512 * 50)!),
  // Output larger than the input: windows overlap (5 -> 7 covers 1 or 2 rows each).
  (
    OpCall(AdaptiveAvgPool2D.self, ["output": .int(7)], image(c, 5, 5)), image(c, 7, 7),
    n.multiplied(by: c)!.scaled(11 * 11 + 49)!
  ),
  (OpCall(GlobalAvgPool.self, [:], image(512, 7, 7)), TensorType([n, 512]), n.scaled(512 * 49)!),
  (
    OpCall(GlobalAvgPool.self, [:], image(c, h, 3)), TensorType([n, c]),
    n.multiplied(by: c)!.multiplied(by: h)!.scaled(3)!
  ),
]

/// Every error path of the two windowed pools (they share their rule).
private let windowErrorCases: [ShapeErrorCase] = [MaxPool2D.self, AvgPool2D.self].flatMap {
  (op: any Operator.Type) -> [ShapeErrorCase] in
  [
    ShapeErrorCase(
      OpCall(op, ["kernel": .int(2)], TensorType([n, 1, 28, 28], .int32)), .shapeMismatch, input: 0,
      mentions: ["expected float32", "got int32 [N, 1, 28, 28]"], help: "embedding"),
    ShapeErrorCase(
      OpCall(op, ["kernel": .int(2)], TensorType([n, 400])), .rankMismatch, input: 0,
      mentions: ["expected a rank-4 input [N, C, H, W]", "got rank 2 [N, 400]"]),
    ShapeErrorCase(
      OpCall(op, ["kernel": .int(2)], image(3, h, 32)), .symbolicDimension, input: 0,
      mentions: ["height", "[N, 3, H, 32]", "`H`"]),
    ShapeErrorCase(
      OpCall(op, ["kernel": .int(2)], image(3, 32, h)), .symbolicDimension, input: 0,
      mentions: ["width", "[N, 3, 32, H]"]),
    ShapeErrorCase(
      OpCall(op, ["kernel": .int(5)], image(16, 4, 4)), .nonPositiveDimension, attribute: "kernel",
      mentions: ["kernel 5", "padded input height 4"], help: "smaller kernel"),
    ShapeErrorCase(
      OpCall(op, ["kernel": specList(.int(1), .int(6)), "padding": .int(0)], image(16, 8, 5)),
      .nonPositiveDimension, attribute: "kernel", mentions: ["kernel 6", "padded input width 5"]),
    ShapeErrorCase(
      OpCall(op, ["kernel": .int(2), "padding": .int(2)], image(16, 8, 8)), .valueOutOfRange,
      attribute: "padding", mentions: ["padding 2", "height", "kernel height 2", "at most 1"],
      help: "padding 1 or less"),
    ShapeErrorCase(
      OpCall(op, ["kernel": .int(3), "padding": specList(.int(1), .int(2))], image(16, 8, 8)),
      .valueOutOfRange, attribute: "padding", mentions: ["padding 2 on the width", "kernel width 3", "at most 1"]),
  ]
}

private let otherErrorCases: [ShapeErrorCase] = [
  ShapeErrorCase(
    OpCall(AdaptiveAvgPool2D.self, ["output": .int(1)], TensorType([n, 8, 7, 7], .int32)), .shapeMismatch,
    input: 0, mentions: ["float32", "got int32 [N, 8, 7, 7]"]),
  ShapeErrorCase(
    OpCall(AdaptiveAvgPool2D.self, ["output": .int(1)], TensorType([n, 8, 7])), .rankMismatch, input: 0,
    mentions: ["rank-4 input [N, C, H, W]", "got rank 3 [N, 8, 7]"]),
  ShapeErrorCase(
    OpCall(AdaptiveAvgPool2D.self, ["output": .int(1)], image(8, h, 7)), .symbolicDimension, input: 0,
    mentions: ["height", "[N, 8, H, 7]"]),
  ShapeErrorCase(
    OpCall(AdaptiveAvgPool2D.self, ["output": .int(1)], image(8, 7, h)), .symbolicDimension, input: 0,
    mentions: ["width", "[N, 8, 7, H]"]),
  ShapeErrorCase(
    OpCall(AdaptiveAvgPool2D.self, ["output": .int(1)], image(1, Dim(1 << 27), Dim(1 << 27))),
    .dimensionOverflow, mentions: ["overflows", "134217728"]),
  ShapeErrorCase(
    OpCall(GlobalAvgPool.self, [:], TensorType([n, 8, 7, 7], .int32)), .shapeMismatch, input: 0,
    mentions: ["float32", "got int32 [N, 8, 7, 7]"]),
  ShapeErrorCase(
    OpCall(GlobalAvgPool.self, [:], TensorType([n, 8])), .rankMismatch, input: 0,
    mentions: ["rank-4 input [N, C, H, W]", "got rank 2 [N, 8]"]),
]

@Suite struct PoolingOpsTests {
  @Test(arguments: shapeCases)
  func outputShapesAndFlops(call: OpCall, output: TensorType, flops: Dim) throws {
    try expectParameterlessInference(call, output: output, flops: flops)
  }

  @Test(arguments: windowErrorCases + otherErrorCases)
  func shapeErrors(_ expected: ShapeErrorCase) {
    expectShapeError(expected)
  }

  @Test func strideDefaultsToTheKernel() {
    let max = MaxPool2D(Attributes(MaxPool2D.schema, ["kernel": specList(.int(3), .int(2))]))
    #expect(max.stride == (3, 2) && max.padding == (0, 0))
    let avg = AvgPool2D(Attributes(AvgPool2D.schema, ["kernel": .int(3), "stride": .int(1)]))
    #expect(avg.kernel == (3, 3) && avg.stride == (1, 1) && avg.countIncludePad)
    let exclusive = AvgPool2D(Attributes(AvgPool2D.schema, ["kernel": .int(2), "count_include_pad": .bool(false)]))
    #expect(!exclusive.countIncludePad)
  }

  @Test func schemas() {
    for op: any Operator.Type in [MaxPool2D.self, AvgPool2D.self] {
      #expect(op.schema.primary == "kernel" && op.schema.category == .pooling)
      guard case .optional? = op.schema.attribute(named: "stride")?.defaultValue else {
        Issue.record("\(op.schema.name)'s stride should be optional (defaulting to the kernel)")
        continue
      }
    }
    #expect(AdaptiveAvgPool2D.schema.primary == "output")
    #expect(GlobalAvgPool.schema.attributes.isEmpty)
  }

  @Test(arguments: [
    (5, 3, [0..<2, 1..<4, 3..<5]),
    (7, 1, [0..<7]),
    (4, 2, [0..<2, 2..<4]),
    (2, 3, [0..<1, 0..<2, 1..<2]),
    (13, 6, [0..<3, 2..<5, 4..<7, 6..<9, 8..<11, 10..<13]),
  ])
  func adaptiveWindowsMatchPyTorch(input: Int, output: Int, windows: [Range<Int>]) {
    #expect(AdaptiveAvgPool2D.windows(input: input, output: output) == windows)
  }

  @Test func adaptiveWindowsDoNotOverflowOnHugeInputs() {
    let windows = AdaptiveAvgPool2D.windows(input: Dim.limit - 1, output: 4096)
    #expect(windows.first?.lowerBound == 0 && windows.last?.upperBound == Dim.limit - 1)
  }
}
