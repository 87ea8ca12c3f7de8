import NetSpecKernels

/// How the `lstm` and `gru` ops run: both backends make one call to the
/// ``RecurrentStack`` kernel of `NetSpecKernels`, which holds the cells' math,
/// the interpreter with a ``Kernel``'s pointers and the emitted code with
/// literal sizes and arena offsets.
///
/// Parameters of layer `l` and direction `d` (`u = l·D + d`) are `4u + 0`
/// (`weight_ih`), `+ 1` (`weight_hh`), `+ 2` (`bias_ih`), `+ 3` (`bias_hh`);
/// the saved state is
/// ``RecurrentStack/savedPerSample`` in order. Inputs 1 and 2 are the initial
/// `h` and `c` when given, outputs 1 and 2 the final `h` and `c`.
extension Recurrence {
  /// The kernel for an op application with per-sample input `[T, I]`.
  static func stack(
    _ cell: RecurrentCell, _ shapes: OpShapes, hidden: Int, layers: Int, returns: RecurrentOutput,
    bidirectional: Bool
  ) -> RecurrentStack {
    RecurrentStack(
      cell: cell, steps: shapes.inputs[0][0], features: shapes.inputs[0][1], hidden: hidden, layers: layers,
      returnsLast: returns == .last, bidirectional: bidirectional)
  }

  /// The states among `pointers` from index 1 on (`h`, then `c`), if any.
  private static func states<T>(_ pointers: [T], _ make: (T?, T?) -> RecurrentStates) -> RecurrentStates {
    make(pointers.count > 1 ? pointers[1] : nil, pointers.count > 2 ? pointers[2] : nil)
  }

  /// The interpreter's forward pass.
  static func forward(_ stack: RecurrentStack, _ k: Kernel) {
    stack.forward(
      batch: k.batch, input: k.inputs[0], output: k.outputs[0], parameters: k.parameters, saved: k.saved,
      workspace: k.workspace!, pool: k.pool, initial: states(k.inputs) { RecurrentStates(hidden: $0, cell: $1) },
      final: states(k.outputs) { RecurrentStates(hidden: $0, cell: $1) })
  }

  /// The interpreter's backward pass.
  static func backward(_ stack: RecurrentStack, _ k: Kernel) {
    stack.backward(
      batch: k.batch, input: k.inputs[0], outputGradient: k.outputGradients[0],
      inputGradient: k.inputGradients[0], accumulateInput: k.accumulateInput[0], parameters: k.parameters,
      parameterGradients: k.parameterGradients, accumulateParameters: k.accumulateParameter, saved: k.saved,
      workspace: k.workspace!, pool: k.pool, initial: states(k.inputs) { RecurrentStates(hidden: $0, cell: $1) },
      finalGradient: states(k.outputGradients) { RecurrentStates(hidden: $0, cell: $1) },
      initialGradient: states(k.inputGradients) { RecurrentStates(hidden: $0 ?? nil, cell: $1 ?? nil) },
      accumulateInitial: Array(k.accumulateInput.dropFirst()) + [false, false])
  }

  /// `RecurrentStates(hidden: ..., cell: ...)` for the emitted code, or nil
  /// when neither state is given.
  private static func statesLiteral(_ hidden: String?, _ cell: String?) -> String? {
    guard hidden != nil || cell != nil else { return nil }
    let parts = [hidden.map { "hidden: \($0)" }, cell.map { "cell: \($0)" }].compactMap { $0 }
    return "RecurrentStates(\(parts.joined(separator: ", ")))"
  }

  /// `RecurrentStack(cell: .lstm, steps: 4, ...)` as a Swift expression.
  private static func stackLiteral(_ stack: RecurrentStack) -> String {
    "RecurrentStack(cell: \(stack.cell == .lstm ? ".lstm" : ".gru"), steps: \(stack.steps), "
      + "features: \(stack.features), hidden: \(stack.hidden), layers: \(stack.layers), "
      + "returnsLast: \(stack.returnsLast)\(stack.bidirectional ? ", bidirectional: true" : ""))"
  }

  /// A Swift array literal of `items`, one line per layer's four parameters
  /// (or saved buffers) when `perLine` is set.
  private static func arrayLiteral(_ items: [String], perLine: Int) -> String {
    stride(from: 0, to: items.count, by: perLine)
      .map { items[$0..<min($0 + perLine, items.count)].joined(separator: ", ") }
      .joined(separator: ",\n    ")
  }

  /// One call of the kernel's forward pass.
  static func emitForward(_ stack: RecurrentStack, _ s: StepEmission, _ code: inout SwiftWriter) {
    let parameters = (0..<s.node.parameters.count).map(s.parameter)
    let saved = (0..<stack.savedPerSample.count).map(s.saved)
    let perLayer = stack.savedPerSample.count / stack.layers
    code.line("\(stackLiteral(stack)).forward(")
    code.line("  batch: n, input: \(s.input(0)), output: \(s.output(0)),")
    code.line("  parameters: [\n    \(arrayLiteral(parameters, perLine: 4))\n  ],")
    code.line("  saved: [\n    \(arrayLiteral(saved, perLine: perLayer))\n  ],")
    let inputs = s.step.inputs.count
    let outputs = s.step.outputs.count
    let initial = statesLiteral(inputs > 1 ? s.input(1) : nil, inputs > 2 ? s.input(2) : nil)
    let final = statesLiteral(outputs > 1 ? s.output(1) : nil, outputs > 2 ? s.output(2) : nil)
    let extra = [initial.map { "initial: \($0)" }, final.map { "final: \($0)" }].compactMap { $0 }
    code.line("  workspace: \(s.workspace), pool: pool\(extra.map { ",\n  " + $0 }.joined()))")
  }

  /// One call of the kernel's backward pass.
  static func emitBackward(_ stack: RecurrentStack, _ s: StepEmission, _ code: inout SwiftWriter) {
    let count = s.node.parameters.count
    let parameters = (0..<count).map(s.parameter)
    let gradients = (0..<count).map { s.parameterGradient($0) ?? "nil" }
    let accumulate = (0..<count).map { "\(s.accumulatesParameter($0))" }
    let saved = (0..<stack.savedPerSample.count).map(s.saved)
    let perLayer = stack.savedPerSample.count / stack.layers
    code.line("\(stackLiteral(stack)).backward(")
    code.line("  batch: n, input: \(s.input(0)), outputGradient: \(s.outputGradient(0)),")
    code.line("  inputGradient: \(s.inputGradient(0) ?? "nil"), accumulateInput: \(s.accumulatesInput(0)),")
    code.line("  parameters: [\n    \(arrayLiteral(parameters, perLine: 4))\n  ],")
    code.line("  parameterGradients: [\n    \(arrayLiteral(gradients, perLine: 4))\n  ],")
    code.line("  accumulateParameters: [\n    \(arrayLiteral(accumulate, perLine: 4))\n  ],")
    code.line("  saved: [\n    \(arrayLiteral(saved, perLine: perLayer))\n  ],")
    let inputs = s.step.inputs.count
    let outputs = s.step.outputGradients.count
    let initial = statesLiteral(inputs > 1 ? s.input(1) : nil, inputs > 2 ? s.input(2) : nil)
    let finalGradient = statesLiteral(
      outputs > 1 ? s.outputGradient(1) : nil, outputs > 2 ? s.outputGradient(2) : nil)
    let initialGradient = statesLiteral(
      inputs > 1 ? s.inputGradient(1) : nil, inputs > 2 ? s.inputGradient(2) : nil)
    let accumulateInitial = (1..<max(inputs, 1)).map { "\(s.accumulatesInput($0))" } + ["false", "false"]
    var extra = [initial.map { "initial: \($0)" }, finalGradient.map { "finalGradient: \($0)" }].compactMap { $0 }
    if let initialGradient {
      extra += [
        "initialGradient: \(initialGradient)", "accumulateInitial: [\(accumulateInitial.joined(separator: ", "))]",
      ]
    }
    code.line("  workspace: \(s.workspace), pool: pool\(extra.map { ",\n  " + $0 }.joined()))")
  }
}
