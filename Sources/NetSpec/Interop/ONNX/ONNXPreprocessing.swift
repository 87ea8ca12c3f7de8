import NetSpecDiagnostics

/// The input's preprocessing as the first nodes of an exported model, so that
/// it takes the samples `netspec predict` takes: `x * scale` (the training
/// source's `scale:`), then `(x - mean) / std` per feature with the
/// standardization statistics stored with the weights. Only a model with one
/// float32 input is preprocessed; the per-input transforms of a source
/// feeding several inputs are refused.
enum ONNXPreprocessing {
  /// Adds the nodes and renames the input value in `names` to their result.
  static func add(
    _ spec: CheckedSpec, _ standardization: Standardization?, _ builder: ONNXGraphBuilder, _ names: inout [String]
  ) throws(ONNXPreprocessingError) {
    let graph = spec.graph
    let source = spec.document.data?.train
    if let transform = source?.inputTransforms.first {
      throw ONNXPreprocessingError(
        Diagnostic(
          .badData, at: transform.span,
          "the per-input `scale` and `standardize` of a source feeding several inputs are not exported to ONNX"
        ).help("store the inputs already transformed, or transform them before running the exported model"))
    }
    guard graph.inputs.count == 1 else { return }
    let input = graph.values[graph.inputs[0]]
    guard input.type.dtype == .float32 else { return }
    var current = input.name
    if let scale = source?.scale, scale != 1 {
      let factor = builder.constant("\(input.name)/scale", floats: [Float(scale)], shape: [])
      let scaled = builder.unique("\(input.name)/scaled")
      builder.addNode("Mul", name: "\(input.name).scale", inputs: [current, factor], outputs: [scaled], attributes: [])
      current = scaled
    }
    // A spec without `data:` (an imported model) standardizes with the statistics its weights carry.
    if source?.standardize ?? (standardization != nil) {
      // Where a problem is reported: the data source, else the input.
      let span = source?.span ?? spec.document.inputs[0].span
      guard let standardization else {
        throw ONNXPreprocessingError(
          Diagnostic(
            .badData, at: span,
            "the spec standardizes its inputs, but the exported weights hold no training statistics"
          ).help("export the weights `netspec train` wrote for this spec, with `--weights`"))
      }
      let perSample = Array(input.type.shape.dropFirst())
      guard let shape = perSample.staticSizes, shape.reduce(1, *) == standardization.mean.count else {
        throw ONNXPreprocessingError(
          Diagnostic(
            .badData, at: span,
            "the standardization statistics hold \(standardization.mean.count) features, but `\(input.name)` takes \(perSample.shapeDescription) per sample"
          ).help("export the weights `netspec train` wrote for this spec"))
      }
      let mean = builder.constant("\(input.name)/mean", floats: standardization.mean, shape: shape)
      let deviation = builder.constant(
        "\(input.name)/std", floats: standardization.standardDeviation, shape: shape)
      let centred = builder.unique("\(input.name)/centred")
      let standardized = builder.unique("\(input.name)/standardized")
      builder.addNode(
        "Sub", name: "\(input.name).standardize", inputs: [current, mean], outputs: [centred], attributes: [])
      builder.addNode(
        "Div", name: "\(input.name).standardize", inputs: [centred, deviation], outputs: [standardized],
        attributes: [])
      current = standardized
    }
    names[graph.inputs[0]] = current
  }
}

/// A preprocessing step that cannot be exported, with its diagnostic.
struct ONNXPreprocessingError: Error {
  let diagnostic: Diagnostic

  init(_ diagnostic: Diagnostic) { self.diagnostic = diagnostic }
}
