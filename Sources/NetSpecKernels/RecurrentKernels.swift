/// The cell of a recurrent layer stack: how many gates it has and how its
/// gate pre-activations become the next hidden state.
public enum RecurrentCell: Sendable {
  /// Long short-term memory, as `torch.nn.LSTM`: gates input, forget, cell,
  /// output, stacked in that order along the weights' first axis.
  case lstm
  /// Gated recurrent unit, as `torch.nn.GRU`: gates reset, update, new.
  case gru

  /// G: the gates stacked along every weight's first axis.
  public var gates: Int {
    switch self {
    case .lstm: 4
    case .gru: 3
    }
  }
}

/// The hidden and (LSTM) cell states of every layer of a ``RecurrentStack``,
/// batch-first: `[N, L, H]` each, layer `l`'s state of sample `n` at
/// `(n * L + l) * H`. Nil where a state is not given (a zero initial state)
/// or not wanted.
public struct RecurrentStates: @unchecked Sendable {
  public var hidden: UnsafeMutablePointer<Float>?
  public var cell: UnsafeMutablePointer<Float>?

  public init(hidden: UnsafeMutablePointer<Float>? = nil, cell: UnsafeMutablePointer<Float>? = nil) {
    self.hidden = hidden
    self.cell = cell
  }

  /// Layer `layer`'s hidden state (sample rows `L * H` apart), if given.
  func hidden(_ layer: Int, of stack: RecurrentStack) -> UnsafeMutablePointer<Float>? {
    hidden.map { $0 + layer * stack.hidden }
  }

  /// Layer `layer`'s cell state (sample rows `L * H` apart), if given.
  func cell(_ layer: Int, of stack: RecurrentStack) -> UnsafeMutablePointer<Float>? {
    cell.map { $0 + layer * stack.hidden }
  }
}

/// Forward and backward passes of a stack of `lstm` or `gru` layers over
/// batch-major `[N, T, I]` sequences, with PyTorch's parameters: for layer
/// `l`, `parameters[4l]` is `weight_ih` `[G·H, in]`, `4l + 1` `weight_hh`
/// `[G·H, H]`, `4l + 2` `bias_ih` and `4l + 3` `bias_hh` `[G·H]`. The
/// interpreter's `lstm` and `gru` ops and the emitted code both call it.
///
/// The passes keep their sequences time-major, `[T, N, F]`, so that the `N`
/// rows of one step are contiguous: each step's recurrent product is one GEMM
/// over `N` rows, and a layer's input projection and weight gradients are one
/// GEMM over all `T * N` rows.
public struct RecurrentStack: Sendable {
  public let cell: RecurrentCell
  /// `T`.
  public let steps: Int
  /// `I`: features of the layer-0 input.
  public let features: Int
  /// `H`.
  public let hidden: Int
  public let layers: Int
  /// Output only the last step's hidden state `[N, H]` instead of every step's `[N, T, H]`.
  public let returnsLast: Bool

  public init(cell: RecurrentCell, steps: Int, features: Int, hidden: Int, layers: Int, returnsLast: Bool) {
    self.cell = cell
    self.steps = steps
    self.features = features
    self.hidden = hidden
    self.layers = layers
    self.returnsLast = returnsLast
  }

  /// `G * H`: the rows of every weight.
  var gateWidth: Int { cell.gates * hidden }
  /// Features of layer `layer`'s input: `I` for the first, `H` above it.
  func inputSize(_ layer: Int) -> Int { layer == 0 ? features : hidden }

  /// Floats per sample of the state the forward pass saves for the backward
  /// pass, per layer and time-major. LSTM: the gate activations `i, f, g, o`
  /// `[T, 4H]`, the cell states `c_t`, their `tanh(c_t)` and the hidden states
  /// `h_t` `[T, H]`. GRU: the gate activations `r, z, n` `[T, 3H]`, the reset
  /// gate's operand `W_hn h_{t-1} + b_hn` and the hidden states `h_t` `[T, H]`.
  public var savedPerSample: [Int] {
    let perLayer =
      switch cell {
      case .lstm: [steps * 4 * hidden, steps * hidden, steps * hidden, steps * hidden]
      case .gru: [steps * 3 * hidden, steps * hidden, steps * hidden]
      }
    return (0..<layers).flatMap { _ in perLayer }
  }

  /// Floats per sample of scratch: the time-major input `[T, I]` (backward: then
  /// its gradient), then for LSTM the gradients of a layer's hidden states
  /// `[T, H]` and gate pre-activations `[T, 4H]` and the running cell-state
  /// gradient `[H]`; for GRU one step's recurrent term `[3H]` forward, and
  /// backward the gradients of the hidden states `[T, H]` and of the gates'
  /// input-side and hidden-side pre-activations (`[T, 3H]` each; they differ in
  /// the new gate).
  public var workspacePerSample: Int {
    switch cell {
    case .lstm: steps * features + steps * hidden + steps * 4 * hidden + hidden
    case .gru: steps * features + max(3 * hidden, steps * hidden + 2 * steps * 3 * hidden)
    }
  }

  /// `L * H`: floats of one sample's states of every layer.
  var stateStride: Int { layers * hidden }

  /// Runs the stack over `batch` sequences `input` `[N, T, I]` into `output`,
  /// filling `saved` (one buffer per ``savedPerSample`` entry, each times `batch`),
  /// from the `initial` states (zero where nil) and writing the `final` states
  /// (where not nil).
  public func forward(
    batch: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
    parameters: [UnsafeMutablePointer<Float>], saved: [UnsafeMutablePointer<Float>],
    workspace: UnsafeMutablePointer<Float>, pool: ComputePool,
    initial: RecurrentStates = RecurrentStates(), final: RecurrentStates = RecurrentStates()
  ) {
    let pass = RecurrentPass(
      stack: self, batch: batch, parameters: parameters, parameterGradients: [], accumulateParameters: [],
      pool: pool, initial: initial)
    RecurrentPass.toTimeMajor(input, workspace, batch: batch, steps: steps, features: features)
    switch cell {
    case .lstm: pass.lstmForward(saved: saved, timeMajorInput: workspace)
    case .gru: pass.gruForward(saved: saved, timeMajorInput: workspace)
    }
    for layer in 0..<layers {
      let states = cell == .lstm ? saved[4 * layer + 3] : saved[3 * layer + 2]
      let finalStep = (steps - 1) * pass.stepHiddenCount
      if let h = final.hidden(layer, of: self) { pass.copyStates(states + finalStep, toStrided: h, accumulate: false) }
      if cell == .lstm, let c = final.cell(layer, of: self) {
        pass.copyStates(saved[4 * layer + 1] + finalStep, toStrided: c, accumulate: false)
      }
    }
    let last = saved[cell == .lstm ? 4 * layers - 1 : 3 * layers - 1]
    if returnsLast {
      output.update(from: last + (steps - 1) * pass.stepHiddenCount, count: pass.stepHiddenCount)
    } else {
      RecurrentPass.toBatchMajor(last, output, batch: batch, steps: steps, features: hidden, accumulate: false)
    }
  }

  /// Backpropagation through time from `outputGradient` and the gradients of
  /// the final states (`finalGradient`, zero where nil): writes (or, with
  /// `accumulateInput`, adds) `inputGradient` when it is not nil, the gradients
  /// of the initial states where `initialGradient` gives them (adding where
  /// `accumulateInitial` says so, hidden then cell), and every non-nil
  /// parameter gradient (adding where `accumulateParameters` says so).
  /// `input`, `initial` and `saved` are the forward pass's.
  public func backward(
    batch: Int, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
    inputGradient: UnsafeMutablePointer<Float>?, accumulateInput: Bool,
    parameters: [UnsafeMutablePointer<Float>], parameterGradients: [UnsafeMutablePointer<Float>?],
    accumulateParameters: [Bool], saved: [UnsafeMutablePointer<Float>], workspace: UnsafeMutablePointer<Float>,
    pool: ComputePool, initial: RecurrentStates = RecurrentStates(),
    finalGradient: RecurrentStates = RecurrentStates(), initialGradient: RecurrentStates = RecurrentStates(),
    accumulateInitial: [Bool] = [false, false]
  ) {
    let pass = RecurrentPass(
      stack: self, batch: batch, parameters: parameters, parameterGradients: parameterGradients,
      accumulateParameters: accumulateParameters, pool: pool, initial: initial, finalGradient: finalGradient,
      initialGradient: initialGradient, accumulateInitial: accumulateInitial)
    let timeMajorInput = workspace
    let dStates = timeMajorInput + steps * batch * features
    // The output gradient as the gradient of the last layer's time-major hidden
    // sequence (zero before the final step for `last`).
    if returnsLast {
      let final = (steps - 1) * pass.stepHiddenCount
      dStates.update(repeating: 0, count: final)
      (dStates + final).update(from: outputGradient, count: pass.stepHiddenCount)
    } else {
      RecurrentPass.toTimeMajor(outputGradient, dStates, batch: batch, steps: steps, features: hidden)
    }
    let needsInputGradient = inputGradient != nil
    switch cell {
    case .lstm:
      pass.lstmBackward(
        input: input, saved: saved, timeMajorInput: timeMajorInput, dStates: dStates,
        needsInputGradient: needsInputGradient)
    case .gru:
      pass.gruBackward(
        input: input, saved: saved, timeMajorInput: timeMajorInput, dStates: dStates,
        needsInputGradient: needsInputGradient)
    }
    if let inputGradient {
      RecurrentPass.toBatchMajor(
        timeMajorInput, inputGradient, batch: batch, steps: steps, features: features, accumulate: accumulateInput)
    }
  }
}

/// One call of a ``RecurrentStack``: its batch, parameters and threads, and the
/// steps the cells share (layouts, the GEMMs that feed the gates and the
/// weight gradients).
struct RecurrentPass {
  let stack: RecurrentStack
  let batch: Int
  let parameters: [UnsafeMutablePointer<Float>]
  /// Backward only: nil for frozen parameters.
  let parameterGradients: [UnsafeMutablePointer<Float>?]
  let accumulateParameters: [Bool]
  let pool: ComputePool
  /// The states the layers start from (zero where nil).
  var initial = RecurrentStates()
  /// Backward only: the gradients of the final states (zero where nil).
  var finalGradient = RecurrentStates()
  /// Backward only: where the gradients of the initial states go (hidden,
  /// cell), and whether they are added there.
  var initialGradient = RecurrentStates()
  var accumulateInitial = [false, false]

  var hidden: Int { stack.hidden }
  var steps: Int { stack.steps }
  var gateWidth: Int { stack.gateWidth }
  /// Floats of one step of a hidden sequence `[N, H]`.
  var stepHiddenCount: Int { batch * stack.hidden }
  /// Floats of one step of a gate sequence `[N, G * H]`.
  var stepGateCount: Int { batch * stack.gateWidth }

  /// `L * H`: floats between two samples' rows of a state.
  var stateStride: Int { stack.stateStride }

  /// Copies (or adds) one step's `[N, H]` rows into a layer's rows of a
  /// batch-first state `[N, L, H]`.
  func copyStates(_ rows: UnsafePointer<Float>, toStrided state: UnsafeMutablePointer<Float>, accumulate: Bool) {
    for n in 0..<batch {
      let (source, destination) = (rows + n * hidden, state + n * stateStride)
      if accumulate {
        for j in 0..<hidden { destination[j] += source[j] }
      } else {
        destination.update(from: source, count: hidden)
      }
    }
  }

  /// Adds a layer's rows of a batch-first state `[N, L, H]` into one step's `[N, H]` rows.
  func addStates(_ state: UnsafePointer<Float>, into rows: UnsafeMutablePointer<Float>) {
    for n in 0..<batch {
      let (source, destination) = (state + n * stateStride, rows + n * hidden)
      for j in 0..<hidden { destination[j] += source[j] }
    }
  }

  /// `[N, T, F]` to `[T, N, F]`.
  static func toTimeMajor(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, steps: Int, features: Int
  ) {
    for n in 0..<batch {
      for t in 0..<steps {
        (y + (t * batch + n) * features).update(from: x + (n * steps + t) * features, count: features)
      }
    }
  }

  /// `[T, N, F]` to `[N, T, F]`, adding into `y` when `accumulate` is set.
  static func toBatchMajor(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, steps: Int, features: Int,
    accumulate: Bool
  ) {
    for n in 0..<batch {
      for t in 0..<steps {
        let (source, destination) = (x + (t * batch + n) * features, y + (n * steps + t) * features)
        if accumulate {
          for j in 0..<features { destination[j] += source[j] }
        } else {
          destination.update(from: source, count: features)
        }
      }
    }
  }

  /// The input half of every step's gate pre-activations at once:
  /// `gates = input W_ih^T + b_ih` over all `T * N` rows of the time-major input.
  func projectInputs(layer: Int, input: UnsafePointer<Float>, into gates: UnsafeMutablePointer<Float>) {
    let inputSize = stack.inputSize(layer)
    GEMM.sgemm(
      transposeB: true, m: steps * batch, n: gateWidth, k: inputSize, a: input, lda: inputSize,
      b: parameters[4 * layer], ldb: inputSize, c: gates, ldc: gateWidth,
      epilogue: GEMMEpilogue(bias: .perColumn(parameters[4 * layer + 2])), pool: pool)
  }

  /// One step's recurrent term `h_{t-1} W_hh^T + b_hh` for the `N` rows of
  /// `gates` (`[N, G * H]`): added to them when `accumulate` is set, else written.
  /// `previous` has its sample rows `stride` apart; when it is nil (a zero
  /// initial state) only the bias remains.
  func recurrentTerm(
    layer: Int, previous: UnsafePointer<Float>?, stride: Int, into gates: UnsafeMutablePointer<Float>,
    accumulate: Bool
  ) {
    let bias = parameters[4 * layer + 3]
    guard let previous else {
      for n in 0..<batch {
        let row = gates + n * gateWidth
        if accumulate {
          for j in 0..<gateWidth { row[j] += bias[j] }
        } else {
          row.update(from: bias, count: gateWidth)
        }
      }
      return
    }
    GEMM.sgemm(
      transposeB: true, m: batch, n: gateWidth, k: hidden, a: previous, lda: stride,
      b: parameters[4 * layer + 1], ldb: hidden, beta: accumulate ? 1 : 0, c: gates, ldc: gateWidth,
      epilogue: GEMMEpilogue(bias: .perColumn(bias)), pool: pool)
  }

  /// Backpropagates one step's recurrent term: `dh_{t-1} += dGates_t W_hh`,
  /// into rows `stride` apart.
  func backpropagateRecurrentTerm(
    layer: Int, dGates: UnsafePointer<Float>, into dPrevious: UnsafeMutablePointer<Float>, stride: Int
  ) {
    GEMM.sgemm(
      m: batch, n: hidden, k: gateWidth, a: dGates, lda: gateWidth, b: parameters[4 * layer + 1], ldb: hidden,
      beta: 1, c: dPrevious, ldc: stride, pool: pool)
  }

  /// The first step's share of `dW_hh` when the layer starts from a given
  /// state: `dW_hh += dHiddenGates_0^T h_0`.
  func initialStateWeightGradient(layer: Int, dHiddenGates: UnsafePointer<Float>) {
    guard let h0 = initial.hidden(layer, of: stack), let dWeight = parameterGradients[4 * layer + 1] else { return }
    GEMM.sgemm(
      transposeA: true, m: gateWidth, n: hidden, k: batch, a: dHiddenGates, lda: gateWidth, b: h0, ldb: stateStride,
      beta: 1, c: dWeight, ldc: hidden, pool: pool)
  }

  /// A layer's parameter gradients after backpropagation through its steps, and
  /// the gradient of its input sequence, each one GEMM over all steps:
  /// `dW_ih = dInputGates^T input`, `dW_hh = dHiddenGates[1...]^T hidden[..<T-1]`,
  /// the biases' column sums, and `dInput = dInputGates W_ih` (time-major,
  /// overwritten). The gate gradients are `[T, N, G * H]`; they are the same
  /// buffer for LSTM, and differ in the new gate for GRU.
  func layerGradients(
    layer: Int, input: UnsafePointer<Float>, hidden states: UnsafePointer<Float>,
    dInputGates: UnsafePointer<Float>, dHiddenGates: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>?
  ) {
    let (inputSize, rows, p) = (stack.inputSize(layer), steps * batch, 4 * layer)
    func beta(_ i: Int) -> Float { accumulateParameters[i] ? 1 : 0 }
    if let dWeight = parameterGradients[p] {
      GEMM.sgemm(
        transposeA: true, m: gateWidth, n: inputSize, k: rows, a: dInputGates, lda: gateWidth, b: input,
        ldb: inputSize, beta: beta(p), c: dWeight, ldc: inputSize, pool: pool)
    }
    if let dWeight = parameterGradients[p + 1] {
      GEMM.sgemm(
        transposeA: true, m: gateWidth, n: hidden, k: rows - batch, a: dHiddenGates + stepGateCount, lda: gateWidth,
        b: states, ldb: hidden, beta: beta(p + 1), c: dWeight, ldc: hidden, pool: pool)
    }
    if let dBias = parameterGradients[p + 2] {
      BiasGradient.columnSums(
        dInputGates, rows: rows, columns: gateWidth, into: dBias, accumulate: accumulateParameters[p + 2])
    }
    if let dBias = parameterGradients[p + 3] {
      BiasGradient.columnSums(
        dHiddenGates, rows: rows, columns: gateWidth, into: dBias, accumulate: accumulateParameters[p + 3])
    }
    if let dInput {
      GEMM.sgemm(
        m: rows, n: inputSize, k: gateWidth, a: dInputGates, lda: gateWidth, b: parameters[p], ldb: inputSize,
        c: dInput, ldc: inputSize, pool: pool)
    }
  }
}

// MARK: - LSTM

extension RecurrentPass {
  /// Per layer: the input projection of all steps in one GEMM (with `b_ih`), then
  /// per step the recurrent GEMM `h_{t-1} W_hh^T + b_hh` added into the step's gates,
  /// and the cell: `c_t = f * c_{t-1} + i * g`, `h_t = o * tanh(c_t)`.
  func lstmForward(saved: [UnsafeMutablePointer<Float>], timeMajorInput: UnsafeMutablePointer<Float>) {
    for layer in 0..<stack.layers {
      let (gates, cells, cellTanh, states) = (
        saved[4 * layer], saved[4 * layer + 1], saved[4 * layer + 2], saved[4 * layer + 3]
      )
      let input = layer == 0 ? timeMajorInput : saved[4 * layer - 1]
      let (h0, c0) = (initial.hidden(layer, of: stack), initial.cell(layer, of: stack))
      projectInputs(layer: layer, input: input, into: gates)
      for t in 0..<steps {
        let stepGates = gates + t * stepGateCount
        let offset = t * stepHiddenCount
        let previous = t > 0 ? offset - stepHiddenCount : offset
        recurrentTerm(
          layer: layer, previous: t > 0 ? states + previous : h0, stride: t > 0 ? hidden : stateStride,
          into: stepGates, accumulate: true)
        for n in 0..<batch {
          let g = stepGates + n * gateWidth
          let (input, forget, candidate, output) = (g, g + hidden, g + 2 * hidden, g + 3 * hidden)
          VectorMath.sigmoid(input, input, count: 2 * hidden)  // input and forget gates
          VectorMath.tanh(candidate, candidate, count: hidden)
          VectorMath.sigmoid(output, output, count: hidden)
          let cell = cells + offset + n * hidden
          if let previousCell = t > 0 ? cells + previous + n * hidden : c0.map({ $0 + n * stateStride }) {
            for j in 0..<hidden { cell[j] = forget[j] * previousCell[j] + input[j] * candidate[j] }
          } else {
            for j in 0..<hidden { cell[j] = input[j] * candidate[j] }
          }
        }
        VectorMath.tanh(cells + offset, cellTanh + offset, count: stepHiddenCount)
        for n in 0..<batch {
          let output = stepGates + n * gateWidth + 3 * hidden
          let (squashed, state) = (cellTanh + offset + n * hidden, states + offset + n * hidden)
          for j in 0..<hidden { state[j] = output[j] * squashed[j] }
        }
      }
    }
  }

  /// Backpropagation through time, top layer first: per step in reverse, the gate
  /// gradients from the hidden-state gradient and the running cell gradient, and
  /// the recurrent GEMM `dh_{t-1} += dGates_t W_hh`; then per layer one GEMM each
  /// for `dW_ih`, `dW_hh` and the gradient of the layer's input (left time-major
  /// in `timeMajorInput` for layer 0 when `needsInputGradient`).
  func lstmBackward(
    input batchMajorInput: UnsafePointer<Float>, saved: [UnsafeMutablePointer<Float>],
    timeMajorInput: UnsafeMutablePointer<Float>, dStates: UnsafeMutablePointer<Float>, needsInputGradient: Bool
  ) {
    let dGates = dStates + steps * stepHiddenCount
    let dCell = dGates + steps * stepGateCount
    let finalStep = (steps - 1) * stepHiddenCount
    for layer in (0..<stack.layers).reversed() {
      let (gates, cells, cellTanh) = (saved[4 * layer], saved[4 * layer + 1], saved[4 * layer + 2])
      let (c0, dh0) = (initial.cell(layer, of: stack), initialGradient.hidden(layer, of: stack))
      dCell.update(repeating: 0, count: stepHiddenCount)
      if let dcN = finalGradient.cell(layer, of: stack) { addStates(dcN, into: dCell) }
      if let dhN = finalGradient.hidden(layer, of: stack) { addStates(dhN, into: dStates + finalStep) }
      for t in (0..<steps).reversed() {
        let (stepGates, stepDGates) = (gates + t * stepGateCount, dGates + t * stepGateCount)
        let offset = t * stepHiddenCount
        let previous = t > 0 ? offset - stepHiddenCount : offset
        for n in 0..<batch {
          let (g, dg) = (stepGates + n * gateWidth, stepDGates + n * gateWidth)
          let (input, forget, candidate, output) = (g, g + hidden, g + 2 * hidden, g + 3 * hidden)
          let (dInput, dForget, dCandidate, dOutput) = (dg, dg + hidden, dg + 2 * hidden, dg + 3 * hidden)
          let row = n * hidden
          let (dState, squashed, carry) = (dStates + offset + row, cellTanh + offset + row, dCell + row)
          // Short loops over few arrays, so that each one vectorizes.
          for j in 0..<hidden { dOutput[j] = dState[j] * squashed[j] * output[j] * (1 - output[j]) }
          for j in 0..<hidden { carry[j] += dState[j] * output[j] * (1 - squashed[j] * squashed[j]) }
          for j in 0..<hidden { dInput[j] = carry[j] * candidate[j] * input[j] * (1 - input[j]) }
          for j in 0..<hidden { dCandidate[j] = carry[j] * input[j] * (1 - candidate[j] * candidate[j]) }
          if let previousCell = t > 0 ? cells + previous + row : c0.map({ $0 + n * stateStride }) {
            for j in 0..<hidden { dForget[j] = carry[j] * previousCell[j] * forget[j] * (1 - forget[j]) }
          } else {
            dForget.update(repeating: 0, count: hidden)
          }
          for j in 0..<hidden { carry[j] *= forget[j] }
        }
        if t > 0 {
          backpropagateRecurrentTerm(layer: layer, dGates: stepDGates, into: dStates + previous, stride: hidden)
        } else if let dh0 {
          if !accumulateInitial[0] {
            for n in 0..<batch { (dh0 + n * stateStride).update(repeating: 0, count: hidden) }
          }
          backpropagateRecurrentTerm(layer: layer, dGates: stepDGates, into: dh0, stride: stateStride)
        }
      }
      // The running cell gradient is now the initial cell state's.
      if let dc0 = initialGradient.cell(layer, of: stack) {
        copyStates(dCell, toStrided: dc0, accumulate: accumulateInitial[1])
      }
      if layer == 0 {
        Self.toTimeMajor(batchMajorInput, timeMajorInput, batch: batch, steps: steps, features: stack.features)
      }
      let input = layer == 0 ? timeMajorInput : saved[4 * layer - 1]
      let dLayerInput = layer > 0 ? dStates : needsInputGradient ? timeMajorInput : nil
      layerGradients(
        layer: layer, input: input, hidden: saved[4 * layer + 3], dInputGates: dGates, dHiddenGates: dGates,
        dInput: dLayerInput)
      initialStateWeightGradient(layer: layer, dHiddenGates: dGates)
    }
  }
}

// MARK: - GRU

extension RecurrentPass {
  /// Per layer: the input projection of all steps in one GEMM (with `b_ih`), then
  /// per step the recurrent GEMM `h_{t-1} W_hh^T + b_hh` and the cell, as PyTorch:
  /// `r = σ(x_r + h_r)`, `z = σ(x_z + h_z)`, `n = tanh(x_n + r * h_n)`,
  /// `h_t = (1 - z) * n + z * h_{t-1}`.
  func gruForward(saved: [UnsafeMutablePointer<Float>], timeMajorInput: UnsafeMutablePointer<Float>) {
    let recurrent = timeMajorInput + steps * batch * stack.features
    for layer in 0..<stack.layers {
      let (gates, resetOperand, states) = (saved[3 * layer], saved[3 * layer + 1], saved[3 * layer + 2])
      let input = layer == 0 ? timeMajorInput : saved[3 * layer - 1]
      let h0 = initial.hidden(layer, of: stack)
      projectInputs(layer: layer, input: input, into: gates)
      for t in 0..<steps {
        let stepGates = gates + t * stepGateCount
        let offset = t * stepHiddenCount
        let previous = t > 0 ? offset - stepHiddenCount : offset
        recurrentTerm(
          layer: layer, previous: t > 0 ? states + previous : h0, stride: t > 0 ? hidden : stateStride,
          into: recurrent, accumulate: false)
        for n in 0..<batch {
          let (g, h) = (stepGates + n * gateWidth, recurrent + n * gateWidth)
          let (reset, update, candidate) = (g, g + hidden, g + 2 * hidden)
          let state = states + offset + n * hidden
          for j in 0..<(2 * hidden) { g[j] += h[j] }
          VectorMath.sigmoid(reset, reset, count: 2 * hidden)  // reset and update gates
          (resetOperand + offset + n * hidden).update(from: h + 2 * hidden, count: hidden)
          for j in 0..<hidden { candidate[j] += reset[j] * h[2 * hidden + j] }
          VectorMath.tanh(candidate, candidate, count: hidden)
          if let previousState = t > 0 ? states + previous + n * hidden : h0.map({ $0 + n * stateStride }) {
            for j in 0..<hidden { state[j] = (1 - update[j]) * candidate[j] + update[j] * previousState[j] }
          } else {
            for j in 0..<hidden { state[j] = (1 - update[j]) * candidate[j] }
          }
        }
      }
    }
  }

  /// Backpropagation through time, top layer first: per step in reverse, the gate
  /// gradients from the hidden-state gradient, the direct path
  /// `dh_{t-1} += dh_t * z` and the recurrent GEMM `dh_{t-1} += dGates_t W_hh`;
  /// then per layer one GEMM each for `dW_ih`, `dW_hh` and the gradient of the
  /// layer's input (left time-major in `timeMajorInput` for layer 0 when
  /// `needsInputGradient`).
  func gruBackward(
    input batchMajorInput: UnsafePointer<Float>, saved: [UnsafeMutablePointer<Float>],
    timeMajorInput: UnsafeMutablePointer<Float>, dStates: UnsafeMutablePointer<Float>, needsInputGradient: Bool
  ) {
    let dInputGates = dStates + steps * stepHiddenCount
    let dHiddenGates = dInputGates + steps * stepGateCount
    let finalStep = (steps - 1) * stepHiddenCount
    for layer in (0..<stack.layers).reversed() {
      let (gates, resetOperand, states) = (saved[3 * layer], saved[3 * layer + 1], saved[3 * layer + 2])
      let (h0, dh0) = (initial.hidden(layer, of: stack), initialGradient.hidden(layer, of: stack))
      if let dhN = finalGradient.hidden(layer, of: stack) { addStates(dhN, into: dStates + finalStep) }
      for t in (0..<steps).reversed() {
        let stepGates = gates + t * stepGateCount
        let (stepDInput, stepDHidden) = (dInputGates + t * stepGateCount, dHiddenGates + t * stepGateCount)
        let offset = t * stepHiddenCount
        let previous = t > 0 ? offset - stepHiddenCount : offset
        for n in 0..<batch {
          let g = stepGates + n * gateWidth
          let (reset, update, candidate) = (g, g + hidden, g + 2 * hidden)
          let (dx, dh) = (stepDInput + n * gateWidth, stepDHidden + n * gateWidth)
          let (dReset, dUpdate, dCandidate) = (dx, dx + hidden, dx + 2 * hidden)
          let row = n * hidden
          let (dState, operand) = (dStates + offset + row, resetOperand + offset + row)
          let previousState: UnsafePointer<Float>? =
            t > 0 ? UnsafePointer(states + previous + row) : h0.map { UnsafePointer($0 + n * stateStride) }
          let dPrevious: UnsafeMutablePointer<Float>? =
            t > 0 ? dStates + previous + row : dh0.map { $0 + n * stateStride }
          // Short loops over few arrays, so that each one vectorizes.
          for j in 0..<hidden { dCandidate[j] = dState[j] * (1 - update[j]) * (1 - candidate[j] * candidate[j]) }
          if let previousState {
            for j in 0..<hidden {
              dUpdate[j] = dState[j] * (previousState[j] - candidate[j]) * update[j] * (1 - update[j])
            }
          } else {
            for j in 0..<hidden { dUpdate[j] = -dState[j] * candidate[j] * update[j] * (1 - update[j]) }
          }
          if let dPrevious {
            // The direct path `dh_{t-1} += dh_t * z`; the initial state's gradient starts here.
            if t > 0 || accumulateInitial[0] {
              for j in 0..<hidden { dPrevious[j] += dState[j] * update[j] }
            } else {
              for j in 0..<hidden { dPrevious[j] = dState[j] * update[j] }
            }
          }
          for j in 0..<hidden { dReset[j] = dCandidate[j] * operand[j] * reset[j] * (1 - reset[j]) }
          // The hidden side differs only in the new gate, where r multiplies W_hn h + b_hn.
          dh.update(from: dx, count: 2 * hidden)
          for j in 0..<hidden { dh[2 * hidden + j] = dCandidate[j] * reset[j] }
        }
        if t > 0 {
          backpropagateRecurrentTerm(layer: layer, dGates: stepDHidden, into: dStates + previous, stride: hidden)
        } else if let dh0 {
          backpropagateRecurrentTerm(layer: layer, dGates: stepDHidden, into: dh0, stride: stateStride)
        }
      }
      if layer == 0 {
        Self.toTimeMajor(batchMajorInput, timeMajorInput, batch: batch, steps: steps, features: stack.features)
      }
      let input = layer == 0 ? timeMajorInput : saved[3 * layer - 1]
      let dLayerInput = layer > 0 ? dStates : needsInputGradient ? timeMajorInput : nil
      layerGradients(
        layer: layer, input: input, hidden: states, dInputGates: dInputGates, dHiddenGates: dHiddenGates,
        dInput: dLayerInput)
      initialStateWeightGradient(layer: layer, dHiddenGates: dHiddenGates)
    }
  }
}
