import NetSpecDiagnostics

extension SourcePreparation {
  /// The samples of a source feeding several inputs, side by side in the
  /// model's input order (as the emitted model's `loadInputs` splits them),
  /// each input's values multiplied by its `scale` when the source gives one:
  /// each input's part must have the input's per-sample shape (or its value
  /// count, for a static shape), int32 inputs whole ids within their
  /// embedding's vocabulary. Problems are reported at the part's file or
  /// column list.
  func arrange(
    _ parts: [InputPart], source: DataSource, bindings: inout [String: Int], _ diagnostics: inout DiagnosticBag
  ) -> [Float]? {
    var ordered: [InputPart] = []
    for id in feed.inputs {
      let input = graph.values[id]
      guard let part = parts.first(where: { $0.name == input.name }) else {
        diagnostics.append(
          Diagnostic(.badData, at: source.span, "the source gives no data for the model input `\(input.name)`")
            .label(input.span, "`\(input.name)` is declared here")
            .help("name a file (or columns) for every model input"))
        return nil
      }
      guard check(part, input: id, bindings: &bindings, &diagnostics) else { return nil }
      ordered.append(part)
    }
    let count = ordered[0].count
    let stride = ordered.map(\.stride).reduce(0, +)
    let factors = ordered.map { part in
      source.inputTransforms.first { $0.name == part.name }?.scale.map(Float.init)
    }
    var values = [Float]()
    values.reserveCapacity(count * stride)
    for sample in 0..<count {
      for (part, factor) in zip(ordered, factors) {
        let row = part.values[(sample * part.stride)..<((sample + 1) * part.stride)]
        if let factor { values.append(contentsOf: row.map { $0 * factor }) } else { values.append(contentsOf: row) }
      }
    }
    return values
  }

  /// Checks one input's samples against the input's declared shape and type.
  private func check(
    _ part: InputPart, input id: ValueID, bindings: inout [String: Int], _ diagnostics: inout DiagnosticBag
  ) -> Bool {
    let input = graph.values[id]
    let declared = input.type.shape.dropFirst()
    let sameCount = Shape(declared).staticSizes.map { $0.reduce(1, *) == part.stride } ?? false
    guard GraphFeed.match(part.shape, declared, &bindings) || sameCount else {
      diagnostics.append(
        Diagnostic(
          .badShape, at: part.span,
          "the samples of \(part.origin) have shape \(Self.describe(part.shape)), but the input `\(input.name)` takes \(Shape(declared).shapeDescription)"
        )
        .label(input.span, "`\(input.name)` is declared here")
        .help("give each sample of `\(input.name)` the input's shape without the batch axis"))
      return false
    }
    return checkTokenIDs(
      part.values, stride: part.stride, input: id, origin: part.origin, at: part.span, &diagnostics)
  }
}
