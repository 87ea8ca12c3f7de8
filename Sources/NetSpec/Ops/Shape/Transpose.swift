/// Permutes the axes of its input (PyTorch's `permute`): output axis `i` is input
/// axis `perm[i]`. `perm` lists every axis, the batch axis 0 included.
public struct Transpose: Operator {
  public static let schema = OpSchema(
    name: "transpose", category: .shape,
    summary: "Permutes axes: output axis i is input axis perm[i] (batch axis 0 included).",
    attributes: [
      .required("perm", .ints, "a permutation of all input axes, e.g. [0, 2, 1]")
    ],
    primary: "perm")

  public let perm: [Int]

  public init(_ attributes: Attributes) {
    perm = attributes.ints("perm")
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let x = inputs[0]
    guard perm.sorted() == Array(0..<x.rank) else {
      let problem =
        perm.count != x.rank
        ? "perm \(perm) lists \(perm.count) axes, but the input \(x.shape.shapeDescription) has rank \(x.rank)"
        : "perm \(perm) is not a permutation of the axes 0...\(x.rank - 1) of the input \(x.shape.shapeDescription)"
      throw ShapeError(
        .valueOutOfRange, problem, input: 0, attribute: "perm",
        help: "expected each of the axes \(Array(0..<x.rank)) exactly once, the batch axis 0 included")
    }
    return Inference(outputs: [TensorType(perm.map { x.shape[$0] }, x.dtype)])
  }
}
