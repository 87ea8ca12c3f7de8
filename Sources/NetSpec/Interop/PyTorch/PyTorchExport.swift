import NetSpecDiagnostics

/// `netspec export --format pytorch`: a checked spec as a Python project
/// (model.py, train.py, README.md, requirements.txt); the caller writes the
/// files and the initial weights (``initialTensors(of:seed:)``).
public enum PyTorchExport {
  /// The project's files by name, or nil after reporting why the spec has
  /// no exact PyTorch form (``DiagnosticCode/noPyTorchForm``; a synthetic
  /// data source is a warning, and train.py is written without data).
  ///
  /// - Parameter dataDirectory: the folder the spec's data paths are
  ///   relative to (its own folder), recorded in train.py.
  public static func project(_ spec: CheckedSpec, dataDirectory: String, _ diagnostics: inout DiagnosticBag)
    -> [String: String]?
  {
    let name = className(spec.document.name ?? "model")
    var model = TorchModelEmitter(graph: spec.graph, specName: spec.document.name ?? "model", className: name)
    let modelSource = model.emit()
    var problems = model.diagnostics
    let train = TorchTrainEmitter(spec: spec, dataDirectory: dataDirectory, className: name)
    let trainSource = train.emit(&problems)
    diagnostics.append(contentsOf: problems)
    guard let modelSource, !problems.contains(where: { $0.severity == .error }) else { return nil }
    var files = [
      "model.py": modelSource, "requirements.txt": TorchProjectText.requirements,
      "README.md": TorchProjectText.readme(spec: spec.document.name ?? "model", trains: trainSource != nil),
    ]
    if let trainSource { files["train.py"] = trainSource }
    return files
  }

  /// The Python class name of the model: the spec's name in CamelCase
  /// (`sort_transformer` -> `SortTransformer`), with `Model` appended when
  /// it would start with a digit or name one of model.py's helpers.
  public static func className(_ specName: String) -> String {
    let words = specName.split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
    var name = words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    if name.isEmpty || name.first!.isNumber || ["Attention", "BatchNorm", "LearnedPositions"].contains(name) {
      name += "Model"
      if name.first!.isNumber { name = "M" + name }
    }
    return name
  }

  /// The model's parameters and buffers as the interpreter initializes them
  /// from `seed` (each from its own stream, by parameter index), under their
  /// safetensors names: what `netspec train` starts from.
  public static func initialTensors(of graph: Graph, seed: Int) -> [NamedTensor] {
    graph.parameters.enumerated().map { index, parameter in
      var values = [Float](repeating: 0, count: parameter.count)
      values.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        ParameterInitialization.fill(
          base, count: parameter.count, parameter.initializer, seed: UInt64(truncatingIfNeeded: seed), index: index)
      }
      return NamedTensor(name: parameter.name, shape: parameter.shape, values: values)
    }
  }
}
