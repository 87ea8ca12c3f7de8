/// Adaptive 2-D average pooling (PyTorch's `AdaptiveAvgPool2d`): averages
/// `[N, C, H, W]` down to a fixed `[N, C, h, w]` whatever the input size, output
/// cell `i` covering input rows `floor(i * H / h) ..< ceil((i + 1) * H / h)`.
public struct AdaptiveAvgPool2D: Operator {
  public static let schema = OpSchema(
    name: "adaptive_avgpool2d", category: .pooling,
    summary: "Averages [N, C, H, W] inputs down to a fixed [N, C, h, w] output size.",
    attributes: [
      .required("output", .pair(1...4096), "output size: s or [h, w]")
    ],
    primary: "output")

  public let output: (Int, Int)

  public init(_ attributes: Attributes) {
    output = attributes.pair("output")
  }

  /// The input positions averaged into each of `output` cells along an axis of
  /// `input` positions (windows overlap when the size does not divide evenly).
  public static func windows(input: Int, output: Int) -> [Range<Int>] {
    // i * input / output without overflow: input = q * output + r with r < output.
    let (q, r) = input.quotientAndRemainder(dividingBy: output)
    return (0..<output).map { i in
      (i * q + i * r / output)..<((i + 1) * q + ((i + 1) * r + output - 1) / output)
    }
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, 4, layout: "[N, C, H, W]")
    let height = try ShapeRules.staticSize(x, axis: 2, what: "height")
    let width = try ShapeRules.staticSize(x, axis: 3, what: "width")
    let rows = Self.windows(input: height, output: output.0).reduce(0) { $0 + $1.count }
    let columns = Self.windows(input: width, output: output.1).reduce(0) { $0 + $1.count }
    // One add per averaged position, one divide per output cell.
    let perPlane = try ShapeRules.add(
      ShapeRules.multiply(Dim(rows), Dim(columns)), Dim(output.0 * output.1))
    let flops = try ShapeRules.product([x.shape[0], x.shape[1], perPlane], what: "FLOP count")
    let result = TensorType([x.shape[0], x.shape[1], Dim(output.0), Dim(output.1)])
    return Inference(outputs: [result], flops: flops)
  }
}
