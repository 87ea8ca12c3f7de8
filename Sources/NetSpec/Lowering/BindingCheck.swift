import NetSpecDiagnostics

extension Graph {
  /// Checks the graph at known sizes of its shape symbols: every node's shape
  /// rule runs again on its inputs with the symbols of `bindings` replaced by
  /// their sizes, so each constraint that involves a symbolic dimension (a
  /// learned positional table's `max_length` against `T`, a kernel against a
  /// symbolic height) is checked the moment the size becomes known, whether it
  /// comes from the data, `--dim`, `--bind` or a predict input.
  ///
  /// - Parameters:
  ///   - bindings: Sizes of symbols (`["T": 17]`); symbols not listed stay symbolic.
  ///   - origin: Where the sizes come from, for the note (`"--dim"`), if known.
  /// - Returns: The first violation (later nodes depend on it), or nil.
  public func violation(at bindings: [String: Int], from origin: String? = nil) -> Diagnostic? {
    guard !bindings.isEmpty else { return nil }
    let described = bindings.keys.sorted().map { "\($0) = \(bindings[$0]!)" }.joined(separator: ", ")
    let note = origin.map { "\(described) (from \($0))" } ?? described
    if let (symbol, size) = bindings.first(where: { $0.value < 1 || $0.value > Dim.limit }) {
      return Diagnostic(.dimensionOverflow, at: nil, "`\(symbol)` = \(size) is not a size from 1 to 2^53")
        .note("at \(note)")
    }
    var bound: [ValueID: TensorType] = [:]
    for id in inputs + targets {
      let value = values[id]
      guard let type = value.type.substituting(bindings) else {
        return Diagnostic(
          .dimensionOverflow, at: value.span,
          "`\(value.name)` of shape \(value.type.shape.shapeDescription) holds more than 2^53 elements"
        ).note("at \(note)")
      }
      bound[id] = type
    }
    for node in nodes {
      let types = node.inputs.map { bound[$0] ?? values[$0].type }
      let inference: Inference
      do {
        inference = try node.op(boundTo: bindings).infer(types)
      } catch {
        let span = error.attribute.flatMap { node.attributes.spans[$0] } ?? node.span
        var diagnostic = Diagnostic(error.code, at: span, "layer `\(node.name)` (\(node.opName)): \(error.message)")
          .note("at \(note)")
        if let index = error.input, index < node.inputs.count {
          let value = values[node.inputs[index]]
          diagnostic = diagnostic.label(value.span, "`\(value.name)` is \(types[index].description) at \(described)")
        }
        if let help = error.help { diagnostic = diagnostic.help(help) }
        return diagnostic
      }
      for (output, type) in zip(node.outputs, inference.outputs) {
        guard type.shape.elementCount != nil else {
          return Diagnostic(
            .dimensionOverflow, at: node.span,
            "layer `\(node.name)` (\(node.opName)): its output \(type) holds more than 2^53 elements"
          ).note("at \(note)")
        }
        bound[output] = type
      }
    }
    return nil
  }
}

extension Node {
  /// The node's op with the symbols its shape attributes name replaced by
  /// their sizes in `bindings` (`reshape: {shape: [T, 1]}` at T = 7 is
  /// `[7, 1]`), so that its shape rule compares sizes with the bound sizes of
  /// its inputs rather than a symbol with a size; the op itself when it
  /// names none.
  func op(boundTo bindings: [String: Int]) -> any Operator {
    let operatorType = type(of: op)
    var values = attributes.values
    var bound = false
    for attribute in operatorType.schema.attributes {
      guard case .shape = attribute.kind, case .list(let items)? = values[attribute.name] else { continue }
      values[attribute.name] = .list(
        items.map { item in
          guard let symbol = item.stringValue, let size = bindings[symbol] else { return item }
          bound = true
          return SpecValue(.int(size), span: item.span)
        })
    }
    return bound ? operatorType.init(Attributes(values: values, spans: attributes.spans)) : op
  }
}

extension TensorType {
  /// The type with the symbols of `bindings` replaced by their sizes; nil when
  /// a dimension or the element count passes ``Dim/limit``.
  func substituting(_ bindings: [String: Int]) -> TensorType? {
    var shape: Shape = []
    for dim in self.shape {
      guard let bound = dim.substituting(bindings) else { return nil }
      shape.append(bound)
    }
    guard shape.elementCount != nil else { return nil }
    return TensorType(shape, dtype)
  }
}
