/// `reduction:` of every loss, as PyTorch's: `mean` (the default) averages
/// the per-element (per-position, per-sample) losses, `sum` adds them up.
/// PyTorch's `none` is not offered: a training objective is one scalar.
public enum LossReduction: String, Sendable {
  case mean
  case sum

  /// The `reduction` attribute every loss schema declares.
  static let attribute = AttributeSpec.default(
    "reduction", .choice(["mean", "sum"]), .string("mean"),
    "`mean` averages the losses of the elements (PyTorch's default), `sum` adds them up")

  init(_ attributes: Attributes) {
    self = LossReduction(rawValue: attributes.string("reduction") ?? "mean") ?? .mean
  }

  /// The kernels' `average` flag.
  var average: Bool { self == .mean }

  /// PyTorch's keyword for a non-default reduction (`, reduction="sum"`).
  var torchArgument: String { average ? "" : ", reduction=\"sum\"" }

  /// The ONNX reduction of the per-element losses.
  var onnxReduce: String { average ? "ReduceMean" : "ReduceSum" }
}
