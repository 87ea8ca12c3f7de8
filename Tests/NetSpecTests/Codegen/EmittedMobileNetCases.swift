/// Interpreter-vs-emitted cases for the MobileNetV2 and EfficientNet-B0
/// examples, reduced (see ``EmittedModelTests``): depthwise convolutions,
/// ReLU6 and SiLU, and squeeze-and-excitation's broadcasting `multiply`.
enum EmittedMobileNetCases {
  static let cases: [EmittedModelHarness.Case] = ["mobilenet_v2", "efficientnet_b0"].map { name in
    let path = ExampleSpec.path("\(name).yaml")
    let yaml = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return .init(
      name: name, yaml: yaml, path: path, overrides: ["size=16", "unit=1", "classes=5"], capacity: 2, batch: 2)
  }
}
