import NetSpecDiagnostics

/// What a data source feeds in a graph: the model input its samples fill and
/// the loss target its labels fill, with their declared types.
struct GraphFeed {
  /// The input a source feeding one input fills (the first of `inputs`).
  let input: ValueID
  /// Every input the samples fill, in the model's order: `input` alone, or
  /// all of the model's inputs for a source that names them.
  let inputs: [ValueID]
  /// The loss's target (the `label` value); nil when the graph has no loss.
  let target: ValueID?
  /// The number of classes when the loss compares against class indices:
  /// the last size of the prediction, when static.
  let classCount: Int?
  /// The prediction the loss compares the target with.
  let prediction: ValueID?

  /// The symbol the batch axis of every fed tensor must be.
  static let batchSymbol = "N"

  /// Finds the fed input and the target, reporting a model whose inputs a
  /// single source cannot all feed, and an input without a batch axis `N`.
  init?(_ graph: Graph, data: DataSpec, _ diagnostics: inout DiagnosticBag) {
    let inputs = graph.inputs
    if data.train.namedInputs != nil {
      guard !inputs.isEmpty, inputs.allSatisfy({ Self.hasBatchAxis(graph.values[$0], &diagnostics) }) else {
        return nil
      }
      self.init(graph, feeding: inputs)
      return
    }
    let fed: ValueID?
    if let reference = data.train.input {
      fed = inputs.first { graph.values[$0].name == reference.name }
      if fed == nil {
        diagnostics.append(
          Diagnostic(
            .unknownReference, at: reference.span, "`data.train.input` names no model input `\(reference.name)`"
          )
          .help("the inputs are \(Suggestions.list(inputs.map { graph.values[$0].name }))"))
      }
    } else {
      fed = inputs.first
    }
    guard let fed else {
      if data.train.input == nil {
        diagnostics.append(
          Diagnostic(.badData, at: data.span, "the model declares no inputs for the data to feed")
            .help("declare the input under `inputs:`, e.g. `inputs: {x: [N, 4]}`"))
      }
      return nil
    }
    let others = inputs.filter { $0 != fed }
    if let other = others.first {
      diagnostics.append(
        Diagnostic(
          .badData, at: data.train.span,
          "the model has \(inputs.count) inputs, but a data source feeds only one (`\(graph.values[fed].name)`)"
        )
        .label(graph.values[other].span, "`\(graph.values[other].name)` would get no data")
        .help(
          "name one file per input, `npy: {inputs: {\(inputs.map { "\(graph.values[$0].name): PATH" }.joined(separator: ", "))}, labels: PATH}`, or CSV `columns:` per input"
        ))
      return nil
    }
    guard Self.hasBatchAxis(graph.values[fed], &diagnostics) else { return nil }
    self.init(graph, feeding: [fed])
  }

  private init(_ graph: Graph, feeding fed: [ValueID]) {
    input = fed[0]
    inputs = fed
    target = graph.targets.first
    prediction = target.flatMap { target in graph.nodes.first { $0.inputs.contains(target) }?.inputs.first }
    if let target, graph.values[target].type.dtype == .int32, let prediction {
      classCount = Self.classAxis(graph.values[prediction].type.shape, target: graph.values[target].type.shape)
    } else {
      classCount = nil
    }
  }

  /// The size of the prediction's class axis: the axis whose removal leaves
  /// the target's shape (the last one that does: `[N, K]` against `[N]`,
  /// `[N, C, H, W]` against per-pixel `[N, H, W]`), else the last axis.
  static func classAxis(_ prediction: Shape, target: Shape) -> Int? {
    if prediction.count == target.count + 1 {
      for axis in prediction.indices.reversed() {
        var rest = prediction
        rest.remove(at: axis)
        if rest == target { return prediction[axis].staticValue }
      }
    }
    return prediction.last?.staticValue
  }

  /// Whether `value` is batched along a first axis `N`; reports it when not.
  private static func hasBatchAxis(_ value: Value, _ diagnostics: inout DiagnosticBag) -> Bool {
    guard let batch = value.type.shape.first, batch == Dim.symbol(Self.batchSymbol) else {
      diagnostics.append(
        Diagnostic(
          .badShape, at: value.span,
          "the input `\(value.name)` is \(value.type.shape.shapeDescription); data is fed in batches along a first axis `N`"
        )
        .help("declare the batch axis first, e.g. `\(value.name): \(Self.batched(value.type.shape).shapeDescription)`"))
      return false
    }
    return true
  }

  /// `shape` with the batch axis `N` first: replacing a symbolic first axis
  /// (`[B, 784]`), else added before the others (`[28, 28]`).
  private static func batched(_ shape: Shape) -> Shape {
    let keepsFirst = shape.first?.isStatic ?? true
    return [Dim.symbol(batchSymbol)] + (keepsFirst ? shape : Array(shape.dropFirst()))
  }

  /// Matches concrete sizes against a declared shape (without its batch
  /// axis): static sizes must be equal; plain symbols (`T`) are bound, or
  /// must equal their binding; other symbolic sizes must evaluate to the
  /// size. `bindings` is updated only on success.
  static func match(_ sizes: [Int], _ shape: some Collection<Dim>, _ bindings: inout [String: Int]) -> Bool {
    guard sizes.count == shape.count else { return false }
    var trial = bindings
    for (size, dim) in zip(sizes, shape) {
      guard let symbol = plainSymbol(dim) else { continue }
      if let bound = trial[symbol], bound != size { return false }
      trial[symbol] = size
    }
    guard zip(sizes, shape).allSatisfy({ size, dim in dim.evaluate(trial) == size }) else { return false }
    bindings = trial
    return true
  }

  /// The symbol when `dim` is exactly one symbol (`T`, not `2*T`).
  private static func plainSymbol(_ dim: Dim) -> String? {
    guard dim.terms.count == 1, let (monomial, coefficient) = dim.terms.first, monomial.count == 1, coefficient == 1
    else { return nil }
    return monomial[0]
  }
}
