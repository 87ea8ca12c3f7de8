import NetSpecKernels

/// Gated recurrent unit over `[N, T, I]` sequences, as
/// `torch.nn.GRU(I, hidden, layers, batch_first=True)`: three gates (reset,
/// update, new, stacked in that order along the weights' first axis).
public struct GRU: Operator {
  public static let schema = OpSchema(
    name: "gru", category: .recurrent,
    summary: "Gated recurrent unit over [N, T, features]: the hidden state at every step or the last.",
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
    try Recurrence.infer(inputs, gates: 3, hidden: hidden, layers: layers, returns: returns)
  }
}

extension GRU: ExecutableOperator {
  public static let examples = Recurrence.examples

  /// Backward reads the input for the first layer's weight gradient; everything
  /// else comes from the saved state.
  public var backwardReads: BackwardReads { .inputsOnly }

  /// Per layer, time-major: the gate activations `r, z, n` `[T, N, 3H]`, the
  /// reset gate's operand `W_hn h_{t-1} + b_hn` and the hidden states `h_t`
  /// `[T, N, H]`.
  public func savedState(_ shapes: OpShapes) -> [Int] {
    let steps = shapes.inputs[0][0]
    return (0..<layers).flatMap { _ in [steps * 3 * hidden, steps * hidden, steps * hidden] }
  }

  /// The time-major input `[T, N, I]` (backward: then its gradient), followed
  /// forward by one step's recurrent term `[N, 3H]` and backward by the gradients
  /// of a layer's hidden states `[T, N, H]` and of its gates' input-side and
  /// hidden-side pre-activations (`[T, N, 3H]` each; they differ in the new gate).
  public func workspace(_ shapes: OpShapes) -> Int {
    let (steps, features) = (shapes.inputs[0][0], shapes.inputs[0][1])
    return steps * features + max(3 * hidden, steps * hidden + 2 * steps * 3 * hidden)
  }

  /// Per layer: the input projection of all steps in one GEMM (with `b_ih`), then
  /// per step the recurrent GEMM `h_{t-1} W_hh^T + b_hh` and the cell, as PyTorch:
  /// `r = σ(x_r + h_r)`, `z = σ(x_z + h_z)`, `n = tanh(x_n + r * h_n)`,
  /// `h_t = (1 - z) * n + z * h_{t-1}`.
  public func forward(_ k: Kernel) {
    let size = RecurrentSizes(k.shapes, hidden: hidden, gates: 3, batch: k.batch)
    let timeMajorInput = k.workspace!
    let recurrent = timeMajorInput + size.steps * size.batch * size.features
    Recurrence.toTimeMajor(
      k.inputs[0], timeMajorInput, batch: size.batch, steps: size.steps, features: size.features)
    for layer in 0..<layers {
      let (gates, resetOperand, states) = (k.saved[3 * layer], k.saved[3 * layer + 1], k.saved[3 * layer + 2])
      let input = layer == 0 ? timeMajorInput : k.saved[3 * layer - 1]
      Recurrence.projectInputs(k, layer: layer, size, input: input, into: gates)
      for t in 0..<size.steps {
        let stepGates = gates + t * size.stepGates
        let offset = t * size.stepHidden
        let previous = t > 0 ? offset - size.stepHidden : offset
        Recurrence.recurrentTerm(
          k, layer: layer, size, previous: t > 0 ? states + previous : nil, into: recurrent, accumulate: false)
        for n in 0..<size.batch {
          let (g, h) = (stepGates + n * size.gateWidth, recurrent + n * size.gateWidth)
          let (reset, update, candidate) = (g, g + hidden, g + 2 * hidden)
          let (state, previousState) = (states + offset + n * hidden, states + previous + n * hidden)
          for j in 0..<(2 * hidden) { g[j] += h[j] }
          VectorMath.sigmoid(reset, reset, count: 2 * hidden)  // reset and update gates
          (resetOperand + offset + n * hidden).update(from: h + 2 * hidden, count: hidden)
          for j in 0..<hidden { candidate[j] += reset[j] * h[2 * hidden + j] }
          VectorMath.tanh(candidate, candidate, count: hidden)
          for j in 0..<hidden {
            state[j] = (1 - update[j]) * candidate[j] + update[j] * (t > 0 ? previousState[j] : 0)
          }
        }
      }
    }
    Recurrence.writeOutput(k, size, returns: returns, hidden: k.saved[3 * layers - 1])
  }

  /// Backpropagation through time, top layer first: per step in reverse, the gate
  /// gradients from the hidden-state gradient, the direct path
  /// `dh_{t-1} += dh_t * z` and the recurrent GEMM `dh_{t-1} += dGates_t W_hh`;
  /// then per layer one GEMM each for `dW_ih`, `dW_hh` and the gradient of the
  /// layer's input.
  public func backward(_ k: Kernel) {
    let size = RecurrentSizes(k.shapes, hidden: hidden, gates: 3, batch: k.batch)
    let timeMajorInput = k.workspace!
    let dStates = timeMajorInput + size.steps * size.batch * size.features
    let dInputGates = dStates + size.steps * size.stepHidden
    let dHiddenGates = dInputGates + size.steps * size.stepGates
    Recurrence.readOutputGradient(k, size, returns: returns, into: dStates)
    for layer in (0..<layers).reversed() {
      let (gates, resetOperand, states) = (k.saved[3 * layer], k.saved[3 * layer + 1], k.saved[3 * layer + 2])
      for t in (0..<size.steps).reversed() {
        let stepGates = gates + t * size.stepGates
        let (stepDInput, stepDHidden) = (dInputGates + t * size.stepGates, dHiddenGates + t * size.stepGates)
        let offset = t * size.stepHidden
        let previous = t > 0 ? offset - size.stepHidden : offset
        for n in 0..<size.batch {
          let g = stepGates + n * size.gateWidth
          let (reset, update, candidate) = (g, g + hidden, g + 2 * hidden)
          let (dx, dh) = (stepDInput + n * size.gateWidth, stepDHidden + n * size.gateWidth)
          let (dReset, dUpdate, dCandidate) = (dx, dx + hidden, dx + 2 * hidden)
          let row = n * hidden
          let (dState, operand) = (dStates + offset + row, resetOperand + offset + row)
          let (previousState, dPrevious) = (states + previous + row, dStates + previous + row)
          // Short loops over few arrays, so that each one vectorizes.
          for j in 0..<hidden { dCandidate[j] = dState[j] * (1 - update[j]) * (1 - candidate[j] * candidate[j]) }
          if t > 0 {
            for j in 0..<hidden {
              dUpdate[j] = dState[j] * (previousState[j] - candidate[j]) * update[j] * (1 - update[j])
            }
            for j in 0..<hidden { dPrevious[j] += dState[j] * update[j] }
          } else {
            for j in 0..<hidden { dUpdate[j] = -dState[j] * candidate[j] * update[j] * (1 - update[j]) }
          }
          for j in 0..<hidden { dReset[j] = dCandidate[j] * operand[j] * reset[j] * (1 - reset[j]) }
          // The hidden side differs only in the new gate, where r multiplies W_hn h + b_hn.
          dh.update(from: dx, count: 2 * hidden)
          for j in 0..<hidden { dh[2 * hidden + j] = dCandidate[j] * reset[j] }
        }
        if t > 0 {
          Recurrence.backpropagateRecurrentTerm(
            k, layer: layer, size, dGates: stepDHidden, into: dStates + previous)
        }
      }
      if layer == 0 {
        Recurrence.toTimeMajor(
          k.inputs[0], timeMajorInput, batch: size.batch, steps: size.steps, features: size.features)
      }
      let input = layer == 0 ? timeMajorInput : k.saved[3 * layer - 1]
      let dLayerInput = layer > 0 ? dStates : k.inputGradients[0] == nil ? nil : timeMajorInput
      Recurrence.layerGradients(
        k, layer: layer, size, input: input, hidden: states, dInputGates: dInputGates,
        dHiddenGates: dHiddenGates, dInput: dLayerInput)
    }
    if let dx = k.inputGradients[0] {
      Recurrence.toBatchMajor(
        timeMajorInput, dx, batch: size.batch, steps: size.steps, features: size.features,
        accumulate: k.accumulateInput[0])
    }
  }
}
