import NetSpecDiagnostics

/// Writes the translated layers as a spec (one flow-style mapping per layer,
/// `from:` only where a layer does not read the one before it, `outputs:` only
/// when the last layer is not the output, a default `train:` (ONNX has no loss), `expect:` pinning the parameter count
/// and the output shapes it can spell), checks it with the front end, and names the
/// weights as the spec's parameters.
enum ONNXSpecWriting {
  static func model(
    _ translator: ONNXTranslator, name: String, description: String, outputs: [String], path: String
  ) throws(ONNXImportError) -> ImportedModel {
    let body = text(translator, name: name, description: description, outputs: outputs)
    let draft = try check(body, name: name, path: path)
    let shapes = outputs.map { (name: $0, shape: draft.graph.values[draft.graph.value(named: $0)!].type.shape) }
    let spec = body + expect(params: draft.graph.trainableParameterCount, outputs: shapes)
    let checked = try check(spec, name: name, path: path)
    var tensors: [NamedTensor] = []
    for layer in translator.layers {
      for (local, tensor) in layer.weights {
        tensors.append(NamedTensor(name: "\(layer.name).\(local)", shape: tensor.shape, values: tensor.values))
      }
    }
    var metadata = ["netspec": "1", "spec": name, "source": "onnx"]
    if let preprocessing = translator.preprocessing { metadata.merge(preprocessing.metadata) { $1 } }
    let weights = SafetensorsFile(tensors: tensors, metadata: metadata)
    do { try weights.check(expected: Checkpoint.expectedShapes(of: checked.graph)) } catch {
      throw .invalid(path, "the imported weights do not match the spec: \(error)", help: internalHelp)
    }
    return ImportedModel(spec: spec, weights: weights, checked: checked, layerCount: translator.layers.count)
  }

  /// `expect:` pinning the parameter count and every output's shape (computed
  /// sizes such as `2*T + 6`, a flatten over `T`, included).
  static func expect(params: Int, outputs: [(name: String, shape: Shape)]) -> String {
    var text = "expect:\n  params: \(params)\n"
    if !outputs.isEmpty {
      text += "  outputs:\n" + outputs.map { "    \($0.name): \($0.shape.shapeDescription)\n" }.joined()
    }
    return text
  }

  private static let internalHelp = "this is a bug in netspec import: please report it with the model"

  /// The spec checked by the front end; its errors are an import failure.
  private static func check(_ text: String, name: String, path: String) throws(ONNXImportError) -> CheckedSpec {
    var bag = DiagnosticBag()
    let checked = Frontend.check(SourceFile(path: "\(name).yaml", text: text), &bag)
    guard let checked, !bag.hasErrors else {
      let first = bag.sorted.first { $0.severity == .error }
      throw .invalid(
        path, "the imported spec does not check: \(first?.message ?? "no graph")", help: internalHelp)
    }
    return checked
  }

  /// The spec without `expect:`.
  static func text(_ translator: ONNXTranslator, name: String, description: String, outputs: [String]) -> String {
    var lines = ["netspec: 1", "name: \(name)", "description: \(quoted(description))", "inputs:"]
    for input in translator.inputs {
      let shape = input.shape.shapeDescription
      let dtype = translator.dtypes[input.name]
      lines.append("  \(input.name): " + (dtype.map { "{shape: \(shape), dtype: \($0.rawValue)}" } ?? shape))
    }
    lines.append("layers:")
    var previous = translator.inputs.count == 1 ? translator.inputs[0].name : nil
    for layer in translator.layers {
      var items = layer.attributes.map { "\($0.name): \(format($0.value))" }
      items.append("name: \(layer.name)")
      if layer.inputs != [previous] {
        items.append(
          "from: " + (layer.inputs.count == 1 ? layer.inputs[0] : "[\(layer.inputs.joined(separator: ", "))]"))
      }
      lines.append("  - \(layer.op): {\(items.joined(separator: ", "))}")
      previous = layer.name
    }
    if outputs != [translator.layers.last?.name] {
      lines.append("outputs: [\(outputs.joined(separator: ", "))]")
    }
    // ONNX holds no loss: cross-entropy for [N, classes] logits (classes >= 2), else squared error.
    let output = outputs.first.flatMap { translator.shapes[$0] }
    let classes = output?.count == 2 ? output?[1].staticValue ?? 0 : 0
    lines += [
      "train:  # ONNX models hold no training settings: choose the loss and optimizer",
      "  loss: \(classes >= 2 ? "cross_entropy" : "mse")",
      "  optimizer: adam",
    ]
    return lines.joined(separator: "\n") + "\n"
  }

  /// An attribute value in flow style.
  static func format(_ value: SpecValue.Kind) -> String {
    switch value {
    case .int(let v): "\(v)"
    case .bool(let v): "\(v)"
    case .float(let v): float(v)
    case .string(let v): v
    case .list(let items): "[" + items.map { format($0.kind) }.joined(separator: ", ") + "]"
    case .null: "null"
    }
  }

  /// The shortest float32 spelling, always with a point (`1.0e-05`, `0.1`).
  private static func float(_ value: Double) -> String {
    var text = "\(Float(value))"
    if !text.contains(".") {
      if let e = text.firstIndex(of: "e") { text.insert(contentsOf: ".0", at: e) } else { text += ".0" }
    }
    return text
  }

  private static func quoted(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
  }
}
