/// Interpreter-vs-emitted case for the ConvNeXt-T example, reduced (see
/// ``EmittedModelTests``): channels-first layer norms, depthwise 7x7
/// convolutions, exact GELU, the layer scale's broadcasting `multiply` and
/// `drop_path` (its per-sample masks drawn alike by both backends).
enum EmittedConvNeXtCases {
  static let cases: [EmittedModelHarness.Case] = {
    let path = ConvNeXtExampleTests.path
    let yaml = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    let overrides = ConvNeXtExampleTests.reduced + ["stochastic_depth=0.5"]
    return [.init(name: "convnext_t", yaml: yaml, path: path, overrides: overrides, capacity: 4, batch: 4)]
  }()
}
