import ONNXProto

extension ONNXTranslator {
  /// Recognizes the input preprocessing `netspec export` writes (docs/INTEROP.md):
  /// on a model's only input, `Mul` by a constant scalar, then `Sub` and `Div`
  /// by constants of one value per feature (or one for all), each node the
  /// only reader of the one before. The chain folds into standardization
  /// statistics, `x * s` and `(x * s - m) / d` being `(x - m/s) / (d/s)`,
  /// which the imported weights carry and `predict` and `export` apply
  /// (``CheckedSpec/standardizesInputs(weightsMetadata:)``); the chain's
  /// result is bound to the input. Returns the indices of the nodes it took.
  mutating func readInputPreprocessing(_ graph: Onnx_GraphProto) -> Set<Int> {
    guard inputs.count == 1, let input = graph.input.first(where: { bindings[$0.name] != nil && isInput($0.name) }),
      let features = Array(inputs[0].shape.dropFirst()).staticSizes?.reduce(1, *), features > 0
    else { return [] }
    var current = input.name
    var (scale, mean, deviation): (Float, [Float]?, [Float]?) = (1, nil, nil)
    var taken: Set<Int> = []
    var expected = ["Mul", "Sub", "Div"]
    while uses[current] == 1, let index = graph.node.firstIndex(where: { $0.input.contains(current) }) {
      let node = graph.node[index]
      guard let step = expected.firstIndex(of: node.opType), node.input.count == 2, node.input[0] == current,
        node.output.count == 1, case .constant(let constant)? = bindings[node.input[1]],
        let values = constant.floats, values.allSatisfy(\.isFinite)
      else { break }
      switch node.opType {
      case "Mul":
        guard values.count == 1, values[0] > 0 else { return [] }
        scale = values[0]
      case "Sub":
        guard values.count == 1 || values.count == features else { return [] }
        mean = values.count == 1 ? Array(repeating: values[0], count: features) : values
      default:
        guard mean != nil, values.count == 1 || values.count == features, values.allSatisfy({ $0 > 0 }) else {
          return []
        }
        deviation = values.count == 1 ? Array(repeating: values[0], count: features) : values
      }
      expected.removeFirst(step + 1)
      taken.insert(index)
      current = node.output[0]
    }
    // A `Sub` without its `Div` is not the exporter's preprocessing.
    guard !taken.isEmpty, (mean == nil) == (deviation == nil) else { return [] }
    let means = (mean ?? Array(repeating: 0, count: features)).map { $0 / scale }
    let deviations = (deviation ?? Array(repeating: 1, count: features)).map { $0 / scale }
    guard deviations.allSatisfy({ $0.isNormal }) else { return [] }
    preprocessing = Standardization(mean: means, standardDeviation: deviations)
    bindings[current] = bindings[input.name]
    return taken
  }

  /// Whether `name` is a model input (not an initializer listed as one).
  private func isInput(_ name: String) -> Bool {
    if case .tensor? = bindings[name] { true } else { false }
  }
}
