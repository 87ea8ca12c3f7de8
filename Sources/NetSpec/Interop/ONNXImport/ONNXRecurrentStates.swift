import ONNXProto

/// The states of recurrent layers. A node's `Y_h` and `Y_c` `[D, N, H]` are
/// rows of its stack's final state `<layer>.h`, `<layer>.c` (`[N, L·D, H]`,
/// `[N, H]` for one layer and direction): the `Concat` of every layer's is the
/// whole state, time-major, and its `Transpose` the batch-first output. An
/// initial state `[D, N, H]` is rows of a batch-first value: an unsqueezed
/// `[N, H]`, or rows of `[N, R, H]` gathered or sliced before or after a
/// transpose (NetSpec's export gathers per layer, torch slices `h0[2l:2l+2]`);
/// the rows of consecutive layers of one stack are its `from: [x, h, c]`.
extension ONNXTranslator {
  /// The node's initial states (inputs 5 and 6) as rows of batch-first values;
  /// empty when they are zeros.
  mutating func readInitialStates(
    _ node: Onnx_NodeProto, count: Int, directions: Int, hidden: Int
  ) throws(NodeFailure) -> [StateRows] {
    var states: [StateRows] = []
    for i in [5, 6].prefix(count) {
      switch try binding(node, i) {
      case nil, .zeros?: continue
      case .constant(let value)? where value.isZero: continue
      case .tensor(let state)?:
        if let rows = try stateRows(state, for: node), rows.count == directions, state.shape.last == Dim(hidden) {
          states.append(rows)
          continue
        }
      default: break
      }
      throw NodeFailure(
        "`\(node.opType)` with an initial state other than zeros or rows of a batch-first state",
        help:
          "NetSpec's recurrent layers start from zeros or from `from: [x, h, c]` states [N, hidden] or [N, layers·directions, hidden]"
      )
    }
    guard states.isEmpty || states.count == count else {
      throw NodeFailure("`LSTM` with one initial state of two", help: "give both initial states or neither")
    }
    return states
  }

  /// The rows of a batch-first value that `state` `[k, N, H]` is, or nil.
  private mutating func stateRows(_ state: ImportedTensor, for node: Onnx_NodeProto) throws(NodeFailure)
    -> StateRows?
  {
    guard state.shape.count == 3, let count = state.shape[0].staticValue else { return nil }
    switch state.layout {
    case .recurrentState where shapes[state.source] == Array(state.shape.dropFirst()):
      return StateRows(source: state.source, start: 0, count: 1)
    case .finalState(let which, let row):
      return StateRows(source: try namedState(state.source, which, for: node), start: row, count: count)
    case .timeMajor where shapes[state.source] == [state.shape[1], state.shape[0], state.shape[2]]:
      return StateRows(source: state.source, start: 0, count: count)
    case .stateRows(let start):
      return StateRows(source: state.source, start: start, count: count)
    default: return nil
    }
  }

  /// The NetSpec value holding the state rows: the source when they are all of
  /// it, else a `slice` of them (a `select` of the row when a one-layer,
  /// one-direction layer wants `[N, H]`).
  mutating func stateValue(
    _ rows: StateRows, matrix: Bool, name: String, for node: Onnx_NodeProto
  ) throws(NodeFailure) -> String {
    let shape = shapes[rows.source]!
    if shape.count == 2 || (!matrix && rows.start == 0 && shape[1] == Dim(rows.count)) { return rows.source }
    var sliceNode = node
    sliceNode.name = name
    let made =
      matrix
      ? try addLayer(
        "select", for: sliceNode, [("axis", .int(1)), ("index", .int(rows.start))], inputs: [rows.source])
      : try addLayer(
        "slice", for: sliceNode, Self.rowsSlice(rows.start, rows.count), inputs: [rows.source])
    stateSlices.insert(made)
    return made
  }

  /// A `slice` layer's attributes for rows `start..<start + count` of axis 1.
  private static func rowsSlice(_ start: Int, _ count: Int) -> [(name: String, value: SpecValue.Kind)] {
    [("axis", .int(1))] + (start == 0 ? [] : [("start", .int(start))]) + [("end", .int(start + count))]
  }

  /// A `.rows` view as a `slice` layer of its source.
  mutating func rowsLayer(_ tensor: ImportedTensor, start: Int, for node: Onnx_NodeProto) throws(NodeFailure)
    -> String
  {
    let count = tensor.shape[1].staticValue!
    if shapes[tensor.source]?[1] == Dim(count) { return tensor.source }
    return try addLayer("slice", for: node, Self.rowsSlice(start, count), inputs: [tensor.source])
  }

  /// The final state `h` or `c` of the recurrent layer `layer` as its output
  /// `<layer>.h` or `<layer>.c`, its shape registered; no layer stacks on it after.
  private mutating func namedState(_ layer: String, _ which: String, for node: Onnx_NodeProto) throws(NodeFailure)
    -> String
  {
    let recurrent = layers.last { $0.name == layer }!
    let (outputs, _) = try inferAll(recurrent.op, recurrent.attributes, inputs: recurrent.inputs, node: node)
    let name = "\(layer).\(which)"
    shapes[name] = outputs[which == "h" ? 1 : 2].shape
    sealed.insert(layer)
    return name
  }

  /// The stack's final state that `x`, a `.finalState` view, is all of (the
  /// state of a one-layer stack), seen time-major; nil for part of it.
  private mutating func wholeState(_ x: ImportedTensor, for node: Onnx_NodeProto) throws(NodeFailure)
    -> ImportedTensor?
  {
    guard case .finalState(let which, let row) = x.layout, row == 0, stackSize(x.source) == 1 else { return nil }
    return try finalStateView(x.source, which, for: node)
  }

  /// `<layer>.<which>`, time-major (`[1, N, H]` of `[N, H]` for one layer and direction).
  private mutating func finalStateView(_ layer: String, _ which: String, for node: Onnx_NodeProto)
    throws(NodeFailure) -> ImportedTensor
  {
    let name = try namedState(layer, which, for: node)
    let shape = shapes[name]!
    return shape.count == 2
      ? ImportedTensor(source: name, shape: [Dim(1)] + shape, layout: .recurrentState)
      : ImportedTensor(source: name, shape: [shape[1], shape[0], shape[2]], layout: .timeMajor)
  }

  /// `Concat` along axis 0 of every layer's `Y_h` (or `Y_c`) of one stack, in
  /// order: the stack's final state, time-major.
  mutating func concatStates(_ node: Onnx_NodeProto) throws(NodeFailure) {
    var parts: [ImportedTensor] = []
    for i in node.input.indices { parts.append(try tensor(node, i)) }
    var next = 0
    var state: (layer: String, which: String)?
    for part in parts {
      guard case .finalState(let which, let row) = part.layout, row == next, let rows = part.shape[0].staticValue,
        state == nil || (state! == (part.source, which))
      else {
        throw NodeFailure(
          "`Concat` of recurrent final states that are not every layer's of one stack, in order",
          help: "the importer reads a stack's final states whole (`<layer>.h`, `<layer>.c`); write the rest by hand")
      }
      state = (part.source, which)
      next += rows
    }
    guard let state, node.int("axis", default: 0) == 0,
      next == stackSize(state.layer) * (parts[0].shape[0].staticValue ?? 0)
    else {
      throw NodeFailure(
        "`Concat` of recurrent final states that are not every layer's of one stack, in order",
        help: "the importer reads a stack's final states whole (`<layer>.h`, `<layer>.c`); write the rest by hand")
    }
    bind(node, [.tensor(try finalStateView(state.layer, state.which, for: node))])
  }

  /// `Transpose` of recurrent views: `[1, 0, 2]` swaps rows of a state
  /// between batch-first and time-major (a whole stack's final state becomes
  /// its `<layer>.h` output), and `[0, 2, 1, 3]` takes a bidirectional `Y`
  /// `[T, 2, N, H]` to `[T, N, 2, H]`. Nil for other transposes.
  mutating func stateTranspose(_ node: Onnx_NodeProto, _ x: ImportedTensor, perm: [Int]) throws(NodeFailure)
    -> ImportedTensor?
  {
    let swapped = x.shape.count == 3 ? [x.shape[1], x.shape[0], x.shape[2]] : x.shape
    switch (x.layout, perm) {
    case (.rows(let start), [1, 0, 2]):
      return ImportedTensor(source: x.source, shape: swapped, layout: .stateRows(start: start))
    case (.stateRows(let start), [1, 0, 2]):
      return ImportedTensor(source: x.source, shape: swapped, layout: .rows(start: start))
    case (.finalState, [1, 0, 2]):
      guard let whole = try wholeState(x, for: node), whole.layout == .timeMajor else {
        throw NodeFailure(
          "`Transpose` of one layer's final state of a multi-layer or bidirectional stack",
          help: "the importer reads a stack's final states whole (`Concat` of every layer's `Y_h`, as `<layer>.h`)")
      }
      return ImportedTensor(source: whole.source, shape: swapped)
    case (.recurrentSequences, [0, 2, 1, 3]):
      return ImportedTensor(
        source: x.source, shape: [x.shape[0], x.shape[2], x.shape[1], x.shape[3]], layout: .timeMajor)
    default: return nil
    }
  }

  /// `Gather` of several consecutive rows (a 1-D index) of a state: along
  /// axis 1 of a batch-first `[N, R, H]` value, or axis 0 of it transposed.
  /// Nil for other gathers.
  mutating func stateGather(_ node: Onnx_NodeProto, _ x: ImportedTensor) throws(NodeFailure) -> ImportedTensor? {
    guard case .constant(let index)? = try binding(node, 1), index.shape.count == 1, x.shape.count == 3,
      let axis = TensorIndexing.axis(node.int("axis", default: 0), rank: 3)
    else { return nil }
    let rowAxis = x.layout == .timeMajor ? 0 : 1
    guard x.layout == .timeMajor || x.layout == .batchMajor, axis == rowAxis,
      let count = x.shape[rowAxis].staticValue, let ints = index.staticInts
    else { return nil }
    let rows = ints.map { $0 < 0 ? $0 + count : $0 }
    guard let start = rows.first, rows == Array(start..<(start + rows.count)), start >= 0, start + rows.count <= count
    else { return nil }
    if x.layout == .timeMajor {
      guard shapes[x.source] == [x.shape[1], x.shape[0], x.shape[2]] else { return nil }
      return ImportedTensor(
        source: x.source, shape: [Dim(rows.count), x.shape[1], x.shape[2]], layout: .stateRows(start: start))
    }
    let source = try materialize(x, for: node)
    return ImportedTensor(
      source: source, shape: [x.shape[0], Dim(rows.count), x.shape[2]], layout: .rows(start: start))
  }

  /// `Slice` along the time axis of a time-major tensor: the last step of a
  /// recurrent layer's sequence (its `returns: last`, after a `Squeeze`), or
  /// rows of a transposed state.
  mutating func timeMajorSlice(_ node: Onnx_NodeProto, _ x: ImportedTensor) throws(NodeFailure) {
    func ints(_ i: Int) throws(NodeFailure) -> [Int]? {
      guard case .constant(let c)? = try binding(node, i) else { return nil }
      return c.staticInts
    }
    let fail = NodeFailure(
      "`Slice` of a time-major tensor other than a recurrent layer's last step or rows of a state",
      help: "NetSpec keeps the batch first: slice the batch-first tensor")
    guard x.layout == .timeMajor, x.shape.count == 3, let starts = try ints(1), let ends = try ints(2),
      starts.count == 1, ends.count == 1, try ints(3) ?? [0] == [0], try ints(4) ?? [1] == [1]
    else { throw fail }
    let (start, end) = (starts[0], ends[0])
    if let layer = layers.last(where: { $0.name == x.source }), ["lstm", "gru"].contains(layer.op),
      uses[node.input[0]] == 1, start == -1 || x.shape[0] == Dim(start + 1), end >= Dim.limit || x.shape[0] == Dim(end)
    {
      bind(
        node,
        [.tensor(ImportedTensor(source: x.source, shape: [Dim(1)] + x.shape.dropFirst(), layout: .recurrentState))])
      return
    }
    guard let count = x.shape[0].staticValue, shapes[x.source] == [x.shape[1], x.shape[0], x.shape[2]] else {
      throw fail
    }
    let from = start < 0 ? max(0, start + count) : min(start, count)
    let to = end < 0 ? max(0, end + count) : min(end, count)
    guard to > from else { throw fail }
    bind(
      node,
      [
        .tensor(
          ImportedTensor(
            source: x.source, shape: [Dim(to - from), x.shape[1], x.shape[2]], layout: .stateRows(start: from)))
      ])
  }

  /// `Squeeze` and `Reshape` of recurrent views: `Y` without its direction
  /// axis, or a bidirectional `[T, N, 2, H]` as `[T, N, 2H]`, is the
  /// time-major sequence; `Y_h` without its first axis the last step's
  /// state (`returns: last`) or, when the sequences are read too, the
  /// one-layer stack's `.h` (`Y_c`: `.c`).
  mutating func recurrentView(_ node: Onnx_NodeProto, _ x: ImportedTensor) throws(NodeFailure) {
    var axes = node.ints("axes")
    if node.opType != "Reshape", case .constant(let value)? = try binding(node, 1) { axes = value.staticInts }
    switch (node.opType, x.layout, axes) {
    case ("Squeeze", .recurrentSequences, [1]?) where x.shape[1] == Dim(1):
      bind(
        node,
        [.tensor(ImportedTensor(source: x.source, shape: [x.shape[0], x.shape[2], x.shape[3]], layout: .timeMajor))])
    case ("Reshape", .timeMajor, _) where x.shape.count == 4:
      guard case .constant(let target)? = try binding(node, 1), let dims = target.ints, dims.count == 3,
        dims[0] == Dim(0) || dims[0] == x.shape[0], dims[1] == Dim(0) || dims[1] == x.shape[1],
        let width = x.shape[2].multiplied(by: x.shape[3]), dims[2] == Dim(-1) || dims[2] == width
      else {
        throw NodeFailure(
          "`Reshape` of a bidirectional sequence other than to [T, N, 2H]", help: "NetSpec keeps the batch axis first")
      }
      bind(
        node, [.tensor(ImportedTensor(source: x.source, shape: [x.shape[0], x.shape[1], width], layout: .timeMajor))])
    case ("Squeeze", .recurrentState, [0]?):
      guard let layer = layers.last(where: { $0.name == x.source }), ["lstm", "gru"].contains(layer.op) else {
        // A named final state (`<layer>.c`), or a state view of another value.
        bind(node, [.tensor(ImportedTensor(source: x.source, shape: Array(x.shape.dropFirst())))])
        return
      }
      try takeLast(x.source, node)
    case ("Squeeze", .finalState(let which, let row), [0]?) where x.shape[0] == Dim(1):
      let sequencesRead = recurrentStates[node.input[0]].map { (uses[$0] ?? 0) > 0 } ?? false
      if which == "h", !sequencesRead, row == stackSize(x.source) - 1 {
        try takeLast(x.source, node)
      } else if let whole = try wholeState(x, for: node) {
        bind(node, [.tensor(ImportedTensor(source: whole.source, shape: Array(whole.shape.dropFirst())))])
      } else {
        throw NodeFailure(
          "`Squeeze` of one layer's final state of a multi-layer recurrent stack",
          help: "the importer reads a stack's final states whole (`Concat` of every layer's, as `<layer>.h`)")
      }
    default:
      throw NodeFailure(
        "`\(node.opType)` of a time-major or recurrent tensor", help: "NetSpec keeps the batch axis first")
    }
  }

  /// `Unsqueeze` of `[N, H]` at axis 0: a recurrent op's initial state
  /// `[1, N, H]` (a one-layer stack's); nil for other views.
  mutating func stateView(_ node: Onnx_NodeProto, _ x: ImportedTensor) throws(NodeFailure) -> ImportedTensor? {
    var axes = node.ints("axes")
    if case .constant(let value)? = try binding(node, 1) { axes = value.staticInts }
    guard node.opType == "Unsqueeze", axes == [0], x.shape.count == 2 else { return nil }
    let source = try materialize(x, for: node)
    return ImportedTensor(source: source, shape: [Dim(1)] + x.shape, layout: .recurrentState)
  }
}
