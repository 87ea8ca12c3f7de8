import NetSpecKernels

/// Long short-term memory over `[N, T, I]` sequences, as
/// `torch.nn.LSTM(I, hidden, layers, batch_first=True)`: four gates (input,
/// forget, cell, output, stacked in that order along the weights' first axis).
public struct LSTM: Operator {
  public static let schema = OpSchema(
    name: "lstm", category: .recurrent,
    summary: "Long short-term memory over [N, T, features]: the hidden state at every step or the last.",
    attributes: Recurrence.attributes,
    primary: "hidden")

  public let hidden: Int
  public let layers: Int
  public let returns: RecurrentOutput

  public init(_ attributes: Attributes) {
    hidden = attributes.int("hidden")
    layers = attributes.int("layers")
    returns = attributes.string("returns").flatMap(RecurrentOutput.init(rawValue:)) ?? .sequences
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try Recurrence.infer(inputs, gates: 4, hidden: hidden, layers: layers, returns: returns)
  }
}

extension LSTM: ExecutableOperator {
  public static let examples = Recurrence.examples

  /// Backward reads the input for the first layer's weight gradient; everything
  /// else comes from the saved state.
  public var backwardReads: BackwardReads { .inputsOnly }

  /// Per layer, time-major: the gate activations `i, f, g, o` `[T, N, 4H]`, the
  /// cell states `c_t`, their `tanh(c_t)` and the hidden states `h_t` `[T, N, H]`.
  public func savedState(_ shapes: OpShapes) -> [Int] {
    let steps = shapes.inputs[0][0]
    return (0..<layers).flatMap { _ in [steps * 4 * hidden, steps * hidden, steps * hidden, steps * hidden] }
  }

  /// The time-major input `[T, N, I]` (backward: then its gradient), and for the
  /// backward pass the gradients of a layer's hidden states `[T, N, H]` and gate
  /// pre-activations `[T, N, 4H]`, and the running cell-state gradient `[N, H]`.
  public func workspace(_ shapes: OpShapes) -> Int {
    let (steps, features) = (shapes.inputs[0][0], shapes.inputs[0][1])
    return steps * features + steps * hidden + steps * 4 * hidden + hidden
  }

  /// Per layer: the input projection of all steps in one GEMM (with `b_ih`), then
  /// per step the recurrent GEMM `h_{t-1} W_hh^T + b_hh` added into the step's gates,
  /// and the cell: `c_t = f * c_{t-1} + i * g`, `h_t = o * tanh(c_t)`.
  public func forward(_ k: Kernel) {
    let size = RecurrentSizes(k.shapes, hidden: hidden, gates: 4, batch: k.batch)
    let timeMajorInput = k.workspace!
    Recurrence.toTimeMajor(
      k.inputs[0], timeMajorInput, batch: size.batch, steps: size.steps, features: size.features)
    for layer in 0..<layers {
      let (gates, cells, cellTanh, states) = (
        k.saved[4 * layer], k.saved[4 * layer + 1], k.saved[4 * layer + 2], k.saved[4 * layer + 3]
      )
      let input = layer == 0 ? timeMajorInput : k.saved[4 * layer - 1]
      Recurrence.projectInputs(k, layer: layer, size, input: input, into: gates)
      for t in 0..<size.steps {
        let stepGates = gates + t * size.stepGates
        let offset = t * size.stepHidden
        let previous = t > 0 ? offset - size.stepHidden : offset
        Recurrence.recurrentTerm(
          k, layer: layer, size, previous: t > 0 ? states + previous : nil, into: stepGates, accumulate: true)
        for n in 0..<size.batch {
          let g = stepGates + n * size.gateWidth
          let (input, forget, candidate, output) = (g, g + hidden, g + 2 * hidden, g + 3 * hidden)
          VectorMath.sigmoid(input, input, count: 2 * hidden)  // input and forget gates
          VectorMath.tanh(candidate, candidate, count: hidden)
          VectorMath.sigmoid(output, output, count: hidden)
          let (cell, previousCell) = (cells + offset + n * hidden, cells + previous + n * hidden)
          for j in 0..<hidden {
            cell[j] = forget[j] * (t > 0 ? previousCell[j] : 0) + input[j] * candidate[j]
          }
        }
        VectorMath.tanh(cells + offset, cellTanh + offset, count: size.stepHidden)
        for n in 0..<size.batch {
          let output = stepGates + n * size.gateWidth + 3 * hidden
          let (squashed, state) = (cellTanh + offset + n * hidden, states + offset + n * hidden)
          for j in 0..<hidden { state[j] = output[j] * squashed[j] }
        }
      }
    }
    Recurrence.writeOutput(k, size, returns: returns, hidden: k.saved[4 * layers - 1])
  }

  /// Backpropagation through time, top layer first: per step in reverse, the gate
  /// gradients from the hidden-state gradient and the running cell gradient, and
  /// the recurrent GEMM `dh_{t-1} += dGates_t W_hh`; then per layer one GEMM each
  /// for `dW_ih`, `dW_hh` and the gradient of the layer's input.
  public func backward(_ k: Kernel) {
    let size = RecurrentSizes(k.shapes, hidden: hidden, gates: 4, batch: k.batch)
    let timeMajorInput = k.workspace!
    let dStates = timeMajorInput + size.steps * size.batch * size.features
    let dGates = dStates + size.steps * size.stepHidden
    let dCell = dGates + size.steps * size.stepGates
    Recurrence.readOutputGradient(k, size, returns: returns, into: dStates)
    for layer in (0..<layers).reversed() {
      let (gates, cells, cellTanh) = (k.saved[4 * layer], k.saved[4 * layer + 1], k.saved[4 * layer + 2])
      dCell.update(repeating: 0, count: size.stepHidden)
      for t in (0..<size.steps).reversed() {
        let (stepGates, stepDGates) = (gates + t * size.stepGates, dGates + t * size.stepGates)
        let offset = t * size.stepHidden
        let previous = t > 0 ? offset - size.stepHidden : offset
        for n in 0..<size.batch {
          let (g, dg) = (stepGates + n * size.gateWidth, stepDGates + n * size.gateWidth)
          let (input, forget, candidate, output) = (g, g + hidden, g + 2 * hidden, g + 3 * hidden)
          let (dInput, dForget, dCandidate, dOutput) = (dg, dg + hidden, dg + 2 * hidden, dg + 3 * hidden)
          let row = n * hidden
          let (dState, squashed, carry) = (dStates + offset + row, cellTanh + offset + row, dCell + row)
          let previousCell = cells + previous + row
          // Short loops over few arrays, so that each one vectorizes.
          for j in 0..<hidden { dOutput[j] = dState[j] * squashed[j] * output[j] * (1 - output[j]) }
          for j in 0..<hidden { carry[j] += dState[j] * output[j] * (1 - squashed[j] * squashed[j]) }
          for j in 0..<hidden { dInput[j] = carry[j] * candidate[j] * input[j] * (1 - input[j]) }
          for j in 0..<hidden { dCandidate[j] = carry[j] * input[j] * (1 - candidate[j] * candidate[j]) }
          if t > 0 {
            for j in 0..<hidden { dForget[j] = carry[j] * previousCell[j] * forget[j] * (1 - forget[j]) }
          } else {
            dForget.update(repeating: 0, count: hidden)
          }
          for j in 0..<hidden { carry[j] *= forget[j] }
        }
        if t > 0 {
          Recurrence.backpropagateRecurrentTerm(k, layer: layer, size, dGates: stepDGates, into: dStates + previous)
        }
      }
      if layer == 0 {
        Recurrence.toTimeMajor(
          k.inputs[0], timeMajorInput, batch: size.batch, steps: size.steps, features: size.features)
      }
      let input = layer == 0 ? timeMajorInput : k.saved[4 * layer - 1]
      let dLayerInput = layer > 0 ? dStates : k.inputGradients[0] == nil ? nil : timeMajorInput
      Recurrence.layerGradients(
        k, layer: layer, size, input: input, hidden: k.saved[4 * layer + 3], dInputGates: dGates,
        dHiddenGates: dGates, dInput: dLayerInput)
    }
    if let dx = k.inputGradients[0] {
      Recurrence.toBatchMajor(
        timeMajorInput, dx, batch: size.batch, steps: size.steps, features: size.features,
        accumulate: k.accumulateInput[0])
    }
  }
}
