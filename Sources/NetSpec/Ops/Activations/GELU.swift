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
        "`none` for the exact erf form, `tanh` for the approximation; `tanh` by default (PyTorch's is `none`): "
          + "GPT-2's and BERT's form, which specs and the fused `activation: gelu` have always meant")
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

extension GELU: ONNXExportable {
  /// Opset 17 has no `Gelu` (it came in 20): `x (1 + erf(x / sqrt 2)) * 0.5`,
  /// or `x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) * 0.5`, with the kernel's constants.
  func exportONNX(_ onnx: ONNXNodeContext) {
    let x = onnx.inputs[0]
    let phi = onnx.temporary("phi")
    switch approximate {
    case .exact:
      let scaled = onnx.temporary("scaled")
      let erf = onnx.temporary("erf")
      onnx.add("Mul", [x, onnx.scalar("inverse_sqrt2", 0.707_106_77)], [scaled])
      onnx.add("Erf", [scaled], [erf])
      onnx.add("Add", [erf, onnx.scalar("one", 1)], [phi])
    case .tanh:
      let (cube, inner, sum, scaled, tanh) = (
        onnx.temporary("cube"), onnx.temporary("cubic"), onnx.temporary("sum"), onnx.temporary("scaled"),
        onnx.temporary("tanh")
      )
      onnx.add("Pow", [x, onnx.scalar("three", 3)], [cube])
      onnx.add("Mul", [cube, onnx.scalar("coefficient", 0.044_715)], [inner])
      onnx.add("Add", [x, inner], [sum])
      onnx.add("Mul", [sum, onnx.scalar("sqrt_2_over_pi", 0.797_884_56)], [scaled])
      onnx.add("Tanh", [scaled], [tanh])
      onnx.add("Add", [tanh, onnx.scalar("one", 1)], [phi])
    }
    // (x * phi) * 0.5 equals the kernel's (0.5 * x) * phi exactly; with a
    // shared `x * 0.5`, onnxruntime's optimizer breaks two GELUs of one input.
    let product = onnx.temporary("x_phi")
    onnx.add("Mul", [x, phi], [product])
    onnx.add("Mul", [product, onnx.scalar("half", 0.5)], onnx.outputs)
  }
}
