import NetSpecDiagnostics

/// The `decode:` section against the model: what `netspec predict --greedy`
/// needs to feed the model's predictions back into it, resolved, or located
/// diagnostics saying what is missing.
enum DecodeCheck {
  /// Greedy decoding of one model, resolved.
  struct Settings {
    /// The int32 input `[N, L]` fed the decoded tokens.
    var input: ValueID
    /// The logits `[N, L, classes]` whose most likely class at each position is the token decoded there.
    var output: ValueID
    var classes: Int
    /// The token the decoder reads first.
    var start: Int
    /// The token that ends a sequence, if any.
    var end: Int?
    /// `max_length` as the value of the input's length symbol, when it is one no other input has.
    var binding: (symbol: String, size: Int)?
  }

  /// The settings of `decode` for `graph`, or nil after a diagnostic.
  static func resolve(
    _ decode: DecodeSpec, data: DataSpec?, graph: Graph, _ diagnostics: inout DiagnosticBag
  ) -> Settings? {
    let names = graph.inputs.map { graph.values[$0].name }
    guard let id = graph.inputs.first(where: { graph.values[$0].name == decode.input.name }) else {
      let suggestion = Suggestions.didYouMean(decode.input.name, in: names).map { "\($0) " } ?? ""
      diagnostics.append(
        Diagnostic(
          .unknownReference, at: decode.input.span, "`decode.input` names no model input `\(decode.input.name)`"
        )
        .help("\(suggestion)the inputs are \(Suggestions.list(names))"))
      return nil
    }
    let input = graph.values[id]
    guard input.type.dtype == .int32, input.type.shape.count == 2 else {
      diagnostics.append(
        Diagnostic(
          .typeMismatch, at: decode.input.span,
          "`decode.input` must be int32 token ids of shape [N, L], but `\(input.name)` is \(input.type.dtype) \(input.type.shape.shapeDescription)"
        )
        .label(input.span, "`\(input.name)` is declared here")
        .help("name the input that reads the tokens decoded so far, e.g. `previous: {shape: [N, T], dtype: int32}`"))
      return nil
    }
    let length = input.type.shape[1]
    guard let output = positionLogits(graph, length: length) else {
      var diagnostic = Diagnostic(
        .badLoss, at: decode.input.span,
        "greedy decoding reads the next token from `cross_entropy` logits [N, \(length), classes], one position per token of `\(input.name)`, but the model has none"
      )
      if let loss = graph.lossNode { diagnostic = diagnostic.label(loss.span, "the loss is here") }
      diagnostics.append(
        diagnostic.help("train the decoder with `loss: cross_entropy` on logits [N, \(length), classes], classes last"))
      return nil
    }
    let table = graph.tokenTable(reading: id)
    guard let start = decode.start?.value ?? syntheticStart(data, feeding: input.name) else {
      diagnostics.append(
        Diagnostic(.missingKey, at: decode.span, "`decode` is missing `start`")
          .help("give the token the decoder reads first, the start token of its training data, e.g. `start: 10`"))
      return nil
    }
    if let table {
      if start >= table.vocab {
        diagnostics.append(
          Diagnostic(
            .valueOutOfRange, at: decode.start?.span ?? decode.span,
            "the start token \(start) is outside the vocabulary of `\(table.node.name)` (ids 0…\(table.vocab - 1))"
          )
          .label(table.vocabSpan, "the vocabulary is set here")
          .help("give the start token the decoder was trained with"))
        return nil
      }
      if output.classes > table.vocab {
        diagnostics.append(
          Diagnostic(
            .valueOutOfRange, at: decode.input.span,
            "the model predicts \(output.classes) classes, but `\(table.node.name)` reads ids 0…\(table.vocab - 1): a predicted token could not be fed back"
          )
          .label(table.vocabSpan, "the vocabulary is set here")
          .help("give the decoder's embedding a `vocab` of at least \(output.classes)"))
        return nil
      }
    }
    if let end = decode.end, end.value >= output.classes {
      diagnostics.append(
        Diagnostic(
          .valueOutOfRange, at: end.span,
          "the end token \(end.value) is not a class the model predicts (0…\(output.classes - 1))"
        )
        .help("give a token the model predicts, or leave out `end` to decode every position"))
      return nil
    }
    let others = Set(graph.inputs.filter { $0 != id }.flatMap { graph.values[$0].type.shape.flatMap(\.symbols) })
    let free = length.symbols.filter { !others.contains($0) }
    if free.isEmpty {
      if let maxLength = decode.maxLength {
        let fixed = length.staticValue.map { "is \($0) long" } ?? "has length \(length), which the other inputs fix"
        diagnostics.append(
          Diagnostic(.unknownKey, at: maxLength.span, "`max_length` does not apply: `\(input.name)` \(fixed)")
            .label(input.span, "`\(input.name)` is declared here")
            .help("remove `max_length`; the decoded sequences are as long as `\(input.name)`"))
        return nil
      }
      return Settings(
        input: id, output: output.id, classes: output.classes, start: start, end: decode.end?.value, binding: nil)
    }
    guard let maxLength = decode.maxLength, length == .symbol(free[0]) else {
      diagnostics.append(
        Diagnostic(
          .missingKey, at: decode.span,
          "`decode` needs `max_length`: no other input fixes the length \(length) of `\(input.name)`"
        )
        .label(input.span, "`\(input.name)` is declared here")
        .help("give the number of tokens to decode, e.g. `max_length: 20`"))
      return nil
    }
    return Settings(
      input: id, output: output.id, classes: output.classes, start: start, end: decode.end?.value,
      binding: (free[0], maxLength.value))
  }

  /// The logits `[N, length, classes]` of a `cross_entropy` loss with its
  /// classes last, and their class count.
  private static func positionLogits(_ graph: Graph, length: Dim) -> (id: ValueID, classes: Int)? {
    guard let loss = graph.lossNode, let op = loss.op as? CrossEntropyLoss else { return nil }
    let shape = graph.values[loss.inputs[0]].type.shape
    guard shape.count == 3, op.classAxis(rank: 3) == 2, shape[1] == length, let classes = shape[2].staticValue
    else { return nil }
    return (loss.inputs[0], classes)
  }

  /// The start token of a synthetic `copy`, `reverse` or `sort` task that
  /// feeds `input` its shifted labels: the task's `vocab`.
  private static func syntheticStart(_ data: DataSpec?, feeding input: String) -> Int? {
    guard case .synthetic(let task)? = data?.train.format, task.inputs?.shiftedLabels == input else { return nil }
    return task.vocab
  }
}
