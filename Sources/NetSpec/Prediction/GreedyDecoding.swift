import NetSpecDiagnostics

/// Sequences decoded greedily (`netspec predict --greedy`): for each
/// sample, the most likely token at each position, each fed back as the
/// decoder's input at the next.
public struct DecodedSequences: Sendable {
  /// Every sample's tokens, one per position of the decoder input; from the
  /// first `end` token on, the end token.
  public var tokens: [[Int]]
  /// The token that ends a sequence, if the spec's `decode:` gives one.
  public var end: Int?

  /// The tokens of `sample` before its end token (all of them without one).
  public func sequence(_ sample: Int) -> ArraySlice<Int> {
    let row = tokens[sample]
    return row[..<(end.flatMap { row.firstIndex(of: $0) } ?? row.endIndex)]
  }

  /// CSV lines, `sample,tokens` first, then each sample's tokens separated by
  /// spaces (by name when `classNames` names every class), without the end
  /// token and what follows it.
  public func csvLines(classNames: [String]? = nil, classes: Int) -> [String] {
    let names = classNames?.count == classes ? classNames : nil
    return ["sample,tokens"]
      + tokens.indices.map { sample in
        let cells = sequence(sample).map { token in names.map { Predictions.csvField($0[token]) } ?? String(token) }
        return "\(sample),\(cells.joined(separator: " "))"
      }
  }
}

extension Predictor {
  /// Decodes the samples in `inputs` greedily as the spec's `decode:`
  /// section says: the decoder input starts as the start token; at each
  /// position the model's most likely token is decoded and fed back at the
  /// next. `inputs` holds a file for every model input but the decoder's.
  /// The decoder must be causal (as teacher forcing trains it): a position's
  /// logits may depend only on the tokens up to it.
  public static func decodeGreedily(
    _ spec: CheckedSpec, weights: String, inputs: [(name: String?, path: String)]
  ) throws(PredictionError) -> (sequences: DecodedSequences, classes: Int) {
    let graph = spec.graph
    var scratch = DiagnosticBag()
    guard let decode = spec.document.decode,
      let settings = DecodeCheck.resolve(decode, data: spec.document.data, graph: graph, &scratch)
    else {
      throw PredictionError(
        "the spec does not say how to decode: it has no `decode:` section",
        help: "add `decode: {input: NAME, start: TOKEN}` naming the input that reads the tokens decoded so far")
    }
    let weightsFile = try load(weights, of: spec)
    let files = try PredictionFiles.match(inputs, to: graph, decoded: settings.input)
    guard !files.isEmpty else {
      throw PredictionError(
        "greedy decoding reads the sequences to decode from the model's other inputs, but `\(graph.values[settings.input].name)` is its only input",
        help: "decode a model with an encoder input, e.g. `digits` of Examples/seq2seq_reverse.yaml")
    }
    var (parts, samples, bindings) = try readSamples(files, spec: spec)
    if let binding = settings.binding { bindings[binding.symbol] = binding.size }
    let decoder = graph.values[settings.input]
    guard let length = decoder.type.shape[1].evaluate(bindings), samples > 0 else {
      throw PredictionError(
        "the samples fix no length for `\(decoder.name)`", help: "give at least one sample of every input")
    }
    parts.append((settings.input, [Float](repeating: Float(settings.start), count: samples * length)))
    parts.sort { graph.inputs.firstIndex(of: $0.input)! < graph.inputs.firstIndex(of: $1.input)! }
    try transform(&parts, count: samples, spec: spec, weights: weightsFile, path: weights)
    let fed = parts.firstIndex { $0.input == settings.input }!
    let (plan, interpreter) = try session(spec, weights: weightsFile, weightsPath: weights, count: samples, bindings)
    var tokens = [[Int]](repeating: [], count: samples)
    for position in 0..<length {
      let logits = forward(
        interpreter, plan: plan, graph: graph, parts: parts, count: samples, output: settings.output)
      for sample in 0..<samples {
        let base = (sample * length + position) * settings.classes
        let row = logits[base..<(base + settings.classes)]
        let best = row.indices.max { row[$0] < row[$1] }! - base
        let finished = settings.end.map { tokens[sample].contains($0) } ?? false
        let token = finished ? settings.end! : best
        tokens[sample].append(token)
        if position + 1 < length { parts[fed].values[sample * length + position + 1] = Float(token) }
      }
    }
    return (DecodedSequences(tokens: tokens, end: settings.end), settings.classes)
  }
}
