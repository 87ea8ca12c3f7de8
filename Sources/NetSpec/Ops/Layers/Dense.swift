/// A fully connected layer: `y = x W^T + b` over the last axis.
/// Weight layout `[units, in]` (as PyTorch), so it can be tied to an embedding.
public struct Dense: Operator {
  public static let schema = OpSchema(
    name: "dense", category: .layer,
    summary: "Fully connected layer over the last axis: y = x W^T + b.",
    attributes: [
      .required("units", .int(1...Dim.limit), "number of output features"),
      .default("bias", .bool, .bool(true), "add a learned bias"),
      Activation.attribute,
    ],
    primary: "units")

  public let units: Int
  public let bias: Bool
  public let activation: Activation?

  public init(_ attributes: Attributes) {
    units = attributes.int("units")
    bias = attributes.bool("bias")
    activation = attributes.string("activation").flatMap(Activation.init(rawValue:))
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    try ShapeRules.requireFloat(x)
    try ShapeRules.requireRank(x, atLeast: 2, layout: "[N, ..., features]")
    let features = try ShapeRules.staticSize(x, axis: -1, what: "feature size")
    _ = try ShapeRules.parameterCount([units, features])
    var parameters = [ParameterSpec("weight", [units, features], .fanIn(features))]
    if bias { parameters.append(ParameterSpec("bias", [units], .fanIn(features))) }
    let output = TensorType(Array(x.shape.dropLast()) + [Dim(units)])
    let rows = try ShapeRules.product(Array(x.shape.dropLast()), what: "batch size")
    let flops = try ShapeRules.multiply(rows, Dim(2 * features * units))
    return Inference(outputs: [output], parameters: parameters, flops: flops)
  }
}
