import NetSpecKernels

/// Gaussian error linear unit: x * Phi(x), exactly (`none`, with erf) or with the
/// tanh approximation used by GPT-2 and BERT (`tanh`, the default here).
public struct GELU: Operator {
  /// How Phi, the standard normal CDF, is computed (PyTorch's `approximate`).
  public enum Approximation: String, Sendable, CaseIterable {
    /// `none`: exact, 0.5 * (1 + erf(x / sqrt(2))).
    case exact = "none"
    /// `tanh`: 0.5 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))).
    case tanh
  }

  public static let schema = OpSchema(
    name: "gelu", category: .activation,
    summary: "Gaussian error linear unit: x * Phi(x), by default with the tanh approximation.",
    attributes: [
      .default(
        "approximate", .choice(Approximation.allCases.map(\.rawValue)), .string("tanh"),
        "`none` for the exact erf form, `tanh` for the approximation")
    ],
    primary: "approximate")

  public let approximate: Approximation

  public init(_ attributes: Attributes) {
    guard let approximate = attributes.string("approximate").flatMap(Approximation.init(rawValue:))
    else { preconditionFailure("attribute approximate is not a GELU approximation") }
    self.approximate = approximate
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try ShapeRules.requireFloat(inputs[0])
    // cube, multiply-adds, tanh (or erf), and the final products: about 8.
    return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 8))
  }
}

extension GELU: ElementwiseActivation {
  public static let examples = [
    OpExample(inputs: [.batch(3, 4)]),
    OpExample(["approximate": .string("none")], inputs: [.batch(3, 4)]),
  ]

  var kernel: ActivationKernel { .gelu(exact: approximate == .exact) }
}

extension GELU: TorchExportable {
  /// NetSpec defaults to the tanh approximation; PyTorch to the exact form.
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    approximate == .tanh ? "F.gelu(\(layer.x), approximate=\"tanh\")" : "F.gelu(\(layer.x))"
  }
}
