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

/// The hidden and (LSTM) cell states of every layer and direction of a
/// ``RecurrentStack``, batch-first: `[N, D·L, H]` each (D = 2 when
/// bidirectional, else 1), in PyTorch's order along the middle axis (layer
/// `l`'s direction `d` is entry `l·D + d`), so sample `n`'s entry `u` is at
/// `(n · D·L + u) · H`. Nil where a state is not given (a zero initial state)
/// or not wanted.
public struct RecurrentStates: @unchecked Sendable {
  public var hidden: UnsafeMutablePointer<Float>?
  public var cell: UnsafeMutablePointer<Float>?

  public init(hidden: UnsafeMutablePointer<Float>? = nil, cell: UnsafeMutablePointer<Float>? = nil) {
    self.hidden = hidden
    self.cell = cell
  }

  /// Entry `unit` (`layer · D + direction`) of the hidden state (sample rows
  /// `D·L·H` apart), if given.
  func hidden(_ unit: Int, of stack: RecurrentStack) -> UnsafeMutablePointer<Float>? {
    hidden.map { $0 + unit * stack.hidden }
  }

  /// Entry `unit` (`layer · D + direction`) of the cell state, if given.
  func cell(_ unit: Int, of stack: RecurrentStack) -> UnsafeMutablePointer<Float>? {
    cell.map { $0 + unit * stack.hidden }
  }
}

/// Forward and backward passes of a stack of `lstm` or `gru` layers over
/// batch-major `[N, T, I]` sequences, with PyTorch's parameters: for layer
/// `l` and direction `d` (0 forward, 1 reverse; `u = l·D + d`),
/// `parameters[4u]` is `weight_ih` `[G·H, in]`, `4u + 1` `weight_hh`
/// `[G·H, H]`, `4u + 2` `bias_ih` and `4u + 3` `bias_hh` `[G·H]`
/// (`weight_ih_l0`, ..., then `weight_ih_l0_reverse`, ...). A bidirectional
/// layer's output is `[forward, reverse]`, `D·H` wide, which is also the
/// input of the layer above. The interpreter's `lstm` and `gru` ops and the
/// emitted code both call it.
///
/// The passes keep their sequences time-major, `[T, N, F]`, so that the `N`
/// rows of one step are contiguous: each step's recurrent product is one GEMM
/// over `N` rows, and a layer's input projection and weight gradients are one
/// GEMM over all `T * N` rows. The reverse direction runs over the same
/// buffers from the last step to the first.
public struct RecurrentStack: Sendable {
  public let cell: RecurrentCell
  /// `T`.
  public let steps: Int
  /// `I`: features of the layer-0 input.
  public let features: Int
  /// `H`.
  public let hidden: Int
  public let layers: Int
  /// Output only the last step's hidden state `[N, D·H]` instead of every step's `[N, T, D·H]`.
  public let returnsLast: Bool
  /// Run every layer forward and in reverse, as `bidirectional=True`.
  public let bidirectional: Bool

  public init(
    cell: RecurrentCell, steps: Int, features: Int, hidden: Int, layers: Int, returnsLast: Bool,
    bidirectional: Bool = false
  ) {
    self.cell = cell
    self.steps = steps
    self.features = features
    self.hidden = hidden
    self.layers = layers
    self.returnsLast = returnsLast
    self.bidirectional = bidirectional
  }

  /// D: 2 when bidirectional, else 1.
  public var directions: Int { bidirectional ? 2 : 1 }
  /// `D * H`: the width of every layer's output.
  public var outputWidth: Int { directions * hidden }
  /// `G * H`: the rows of every weight.
  var gateWidth: Int { cell.gates * hidden }
  /// Features of layer `layer`'s input: `I` for the first, `D·H` above it.
  func inputSize(_ layer: Int) -> Int { layer == 0 ? features : outputWidth }

  /// Floats per sample of the state the forward pass saves for the backward
  /// pass, per layer and time-major, each direction's part after the other's
  /// except the shared output. LSTM: the gate activations `i, f, g, o`
  /// `[D, T, 4H]`, the cell states `c_t` and their `tanh(c_t)` `[D, T, H]`,
  /// and the hidden states `h_t` `[T, D·H]`. GRU: the gate activations
  /// `r, z, n` `[D, T, 3H]`, the reset gate's operand `W_hn h_{t-1} + b_hn`
  /// `[D, T, H]` and the hidden states `h_t` `[T, D·H]`.
  public var savedPerSample: [Int] {
    let (d, t, h) = (directions, steps, hidden)
    let perLayer =
      switch cell {
      case .lstm: [d * t * 4 * h, d * t * h, d * t * h, t * d * h]
      case .gru: [d * t * 3 * h, d * t * h, t * d * h]
      }
    return (0..<layers).flatMap { _ in perLayer }
  }

  /// Floats per sample of scratch: the time-major input `[T, I]` (backward: then
  /// its gradient), then for LSTM the gradients of a layer's hidden states
  /// `[T, D·H]` and gate pre-activations `[D, T, 4H]` and the running
  /// cell-state gradient `[H]`; for GRU one step's recurrent term `[3H]`
  /// forward, and backward the gradients of the hidden states `[T, D·H]` and
  /// of the gates' input-side and hidden-side pre-activations (`[D, T, 3H]`
  /// each; they differ in the new gate).
  public var workspacePerSample: Int {
    let (d, t, h) = (directions, steps, hidden)
    return switch cell {
    case .lstm: t * features + t * d * h + d * t * 4 * h + h
    case .gru: t * features + max(3 * h, t * d * h + 2 * d * t * 3 * h)
    }
  }

  /// `D * L * H`: floats of one sample's states of every layer and direction.
  var stateStride: Int { directions * layers * hidden }

  /// Runs the stack over `batch` sequences `input` `[N, T, I]` into `output`,
  /// filling `saved` (one buffer per ``savedPerSample`` entry, each times `batch`),
  /// from the `initial` states (zero where nil) and writing the `final` states
  /// (where not nil): the forward direction's after the last step, the
  /// reverse direction's after the first.
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
    let perLayer = cell == .lstm ? 4 : 3
    for layer in 0..<layers {
      let layerInput = layer == 0 ? UnsafePointer(workspace) : UnsafePointer(saved[perLayer * layer - 1])
      for direction in 0..<directions {
        let unit = RecurrentUnit(layer: layer, direction: direction, pass: pass)
        switch cell {
        case .lstm: pass.lstmForward(unit, saved: saved, input: layerInput)
        case .gru:
          pass.gruForward(unit, saved: saved, input: layerInput, recurrent: workspace + steps * batch * features)
        }
        let finalStep = unit.time(steps - 1)
        if let h = final.hidden(unit.index, of: self) {
          pass.copyStates(
            unit.states(saved) + finalStep * pass.stepStateCount, rowStride: outputWidth, toStrided: h,
            accumulate: false)
        }
        if cell == .lstm, let c = final.cell(unit.index, of: self) {
          pass.copyStates(
            unit.perDirection(saved[4 * layer + 1]) + finalStep * pass.stepHiddenCount, rowStride: hidden,
            toStrided: c, accumulate: false)
        }
      }
    }
    let last = saved[perLayer * layers - 1]
    if returnsLast {
      output.update(from: last + (steps - 1) * pass.stepStateCount, count: pass.stepStateCount)
    } else {
      RecurrentPass.toBatchMajor(last, output, batch: batch, steps: steps, features: outputWidth, accumulate: false)
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
      let final = (steps - 1) * pass.stepStateCount
      dStates.update(repeating: 0, count: final)
      (dStates + final).update(from: outputGradient, count: pass.stepStateCount)
    } else {
      RecurrentPass.toTimeMajor(outputGradient, dStates, batch: batch, steps: steps, features: outputWidth)
    }
    let perLayer = cell == .lstm ? 4 : 3
    let gateCount = steps * pass.stepGateCount
    // LSTM: one gate gradient per direction; GRU: the input-side ones of every
    // direction, then the hidden-side ones.
    let dGates = dStates + steps * pass.stepStateCount
    for layer in (0..<layers).reversed() {
      let units = (0..<directions).map { RecurrentUnit(layer: layer, direction: $0, pass: pass) }
      func dInputGates(_ unit: RecurrentUnit) -> UnsafeMutablePointer<Float> { dGates + unit.direction * gateCount }
      func dHiddenGates(_ unit: RecurrentUnit) -> UnsafeMutablePointer<Float> {
        cell == .lstm ? dInputGates(unit) : dGates + (directions + unit.direction) * gateCount
      }
      for unit in units {
        switch cell {
        case .lstm:
          pass.lstmBackward(
            unit, saved: saved, dStates: dStates, dGates: dInputGates(unit),
            dCell: dGates + directions * gateCount)
        case .gru:
          pass.gruBackward(
            unit, saved: saved, dStates: dStates, dInputGates: dInputGates(unit), dHiddenGates: dHiddenGates(unit))
        }
      }
      if layer == 0 {
        RecurrentPass.toTimeMajor(input, timeMajorInput, batch: batch, steps: steps, features: features)
      }
      let layerInput = layer == 0 ? UnsafePointer(timeMajorInput) : UnsafePointer(saved[perLayer * layer - 1])
      for unit in units {
        pass.weightGradients(
          unit, input: layerInput, states: unit.states(saved), dInputGates: dInputGates(unit),
          dHiddenGates: dHiddenGates(unit))
      }
      // Every direction's share of the layer input's gradient, after their
      // weight gradients read the input (layer 0's shares its buffer).
      if let dInput = layer > 0 ? dStates : inputGradient != nil ? timeMajorInput : nil {
        for unit in units { pass.inputGradient(unit, dInputGates: dInputGates(unit), into: dInput) }
      }
    }
    if let inputGradient {
      RecurrentPass.toBatchMajor(
        timeMajorInput, inputGradient, batch: batch, steps: steps, features: features, accumulate: accumulateInput)
    }
  }
}

/// One direction of one layer of a ``RecurrentStack``: its parameters and
/// states, and the order it visits the steps in.
struct RecurrentUnit {
  let layer: Int
  /// 0: forward, 1: reverse.
  let direction: Int
  let pass: RecurrentPass

  /// `layer · D + direction`: the index of its states and (times 4) of its parameters.
  var index: Int { layer * pass.stack.directions + direction }
  /// Its `k`-th parameter: `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`.
  func parameter(_ k: Int) -> UnsafeMutablePointer<Float> { pass.parameters[4 * index + k] }

  /// The time step the unit visits `s`-th.
  func time(_ s: Int) -> Int { direction == 0 ? s : pass.steps - 1 - s }

  /// Its part of a per-direction buffer of gates, `[D, T, N, G·H]`.
  func gates(_ buffer: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
    buffer + direction * pass.steps * pass.stepGateCount
  }

  /// Its part of a per-direction buffer of `H`-wide rows, `[D, T, N, H]`.
  func perDirection(_ buffer: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
    buffer + direction * pass.steps * pass.stepHiddenCount
  }

  /// Its columns of the layer's output `[T, N, D·H]` (rows `D·H` apart).
  func states(_ saved: [UnsafeMutablePointer<Float>]) -> UnsafeMutablePointer<Float> {
    saved[(pass.stack.cell == .lstm ? 4 : 3) * (layer + 1) - 1] + direction * pass.hidden
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
  /// `D * H`: floats between two rows of a layer's output.
  var outputWidth: Int { stack.outputWidth }
  /// Floats of one step of one direction's `[N, H]` rows.
  var stepHiddenCount: Int { batch * stack.hidden }
  /// Floats of one step of a layer's output `[N, D·H]`.
  var stepStateCount: Int { batch * stack.outputWidth }
  /// Floats of one step of a gate sequence `[N, G * H]`.
  var stepGateCount: Int { batch * stack.gateWidth }

  /// `D * L * H`: floats between two samples' rows of a state.
  var stateStride: Int { stack.stateStride }

  /// Copies (or adds) one step's `[N, H]` rows (`rowStride` apart) into an
  /// entry of a batch-first state `[N, D·L, H]`.
  func copyStates(
    _ rows: UnsafePointer<Float>, rowStride: Int, toStrided state: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    for n in 0..<batch {
      let (source, destination) = (rows + n * rowStride, state + n * stateStride)
      if accumulate {
        for j in 0..<hidden { destination[j] += source[j] }
      } else {
        destination.update(from: source, count: hidden)
      }
    }
  }

  /// Adds an entry of a batch-first state `[N, D·L, H]` into one step's
  /// `[N, H]` rows (`rowStride` apart).
  func addStates(_ state: UnsafePointer<Float>, into rows: UnsafeMutablePointer<Float>, rowStride: Int) {
    for n in 0..<batch {
      let (source, destination) = (state + n * stateStride, rows + n * rowStride)
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
  func projectInputs(_ unit: RecurrentUnit, input: UnsafePointer<Float>, into gates: UnsafeMutablePointer<Float>) {
    let inputSize = stack.inputSize(unit.layer)
    GEMM.sgemm(
      transposeB: true, m: steps * batch, n: gateWidth, k: inputSize, a: input, lda: inputSize,
      b: unit.parameter(0), ldb: inputSize, c: gates, ldc: gateWidth,
      epilogue: GEMMEpilogue(bias: .perColumn(unit.parameter(2))), pool: pool)
  }

  /// The state a unit's `s`-th step starts from: the previous step's hidden
  /// rows (`D·H` apart) or, at `s = 0`, its initial state (rows `D·L·H`
  /// apart; nil for zeros), with its row stride.
  func previousState(
    _ unit: RecurrentUnit, step s: Int, states: UnsafeMutablePointer<Float>
  ) -> (UnsafeMutablePointer<Float>?, stride: Int) {
    s > 0
      ? (states + unit.time(s - 1) * stepStateCount, outputWidth)
      : (initial.hidden(unit.index, of: stack), stateStride)
  }

  /// One step's recurrent term `h_{t-1} W_hh^T + b_hh` for the `N` rows of
  /// `gates` (`[N, G * H]`): added to them when `accumulate` is set, else written.
  /// `previous` has its sample rows `stride` apart; when it is nil (a zero
  /// initial state) only the bias remains.
  func recurrentTerm(
    _ unit: RecurrentUnit, previous: UnsafePointer<Float>?, stride: Int, into gates: UnsafeMutablePointer<Float>,
    accumulate: Bool
  ) {
    let bias = unit.parameter(3)
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
      b: unit.parameter(1), ldb: hidden, beta: accumulate ? 1 : 0, c: gates, ldc: gateWidth,
      epilogue: GEMMEpilogue(bias: .perColumn(bias)), pool: pool)
  }

  /// Backpropagates one step's recurrent term: `dh_{t-1} += dGates_t W_hh`,
  /// into rows `stride` apart.
  func backpropagateRecurrentTerm(
    _ unit: RecurrentUnit, dGates: UnsafePointer<Float>, into dPrevious: UnsafeMutablePointer<Float>, stride: Int
  ) {
    GEMM.sgemm(
      m: batch, n: hidden, k: gateWidth, a: dGates, lda: gateWidth, b: unit.parameter(1), ldb: hidden,
      beta: 1, c: dPrevious, ldc: stride, pool: pool)
  }

  /// Backpropagates the recurrent term of a unit's first step into the
  /// gradient of its initial hidden state, when wanted (written unless
  /// accumulating, then added; `directPath` says whether the cell's own path
  /// has already written it).
  func initialStateGradient(_ unit: RecurrentUnit, dGates: UnsafePointer<Float>, directPath: Bool) {
    guard let dh0 = initialGradient.hidden(unit.index, of: stack) else { return }
    if !directPath, !accumulateInitial[0] {
      for n in 0..<batch { (dh0 + n * stateStride).update(repeating: 0, count: hidden) }
    }
    backpropagateRecurrentTerm(unit, dGates: dGates, into: dh0, stride: stateStride)
  }

  /// A unit's parameter gradients after backpropagation through its steps,
  /// each one GEMM over all steps: `dW_ih = dInputGates^T input`,
  /// `dW_hh = Σ_t dHiddenGates_t^T h_{t-1}` (the initial state's share too,
  /// when given), and the biases' column sums. The gate gradients are
  /// `[T, N, G * H]`; they are the same buffer for LSTM, and differ in the new
  /// gate for GRU. `states` are the unit's columns of the layer's output.
  func weightGradients(
    _ unit: RecurrentUnit, input: UnsafePointer<Float>, states: UnsafePointer<Float>,
    dInputGates: UnsafePointer<Float>, dHiddenGates: UnsafePointer<Float>
  ) {
    let (inputSize, rows, p) = (stack.inputSize(unit.layer), steps * batch, 4 * unit.index)
    func beta(_ i: Int) -> Float { accumulateParameters[i] ? 1 : 0 }
    if let dWeight = parameterGradients[p] {
      GEMM.sgemm(
        transposeA: true, m: gateWidth, n: inputSize, k: rows, a: dInputGates, lda: gateWidth, b: input,
        ldb: inputSize, beta: beta(p), c: dWeight, ldc: inputSize, pool: pool)
    }
    if let dWeight = parameterGradients[p + 1] {
      // Step t pairs with t - 1 forward and with t + 1 in reverse.
      let (gates, previous) =
        unit.direction == 0 ? (dHiddenGates + stepGateCount, states) : (dHiddenGates, states + stepStateCount)
      GEMM.sgemm(
        transposeA: true, m: gateWidth, n: hidden, k: rows - batch, a: gates, lda: gateWidth, b: previous,
        ldb: outputWidth, beta: beta(p + 1), c: dWeight, ldc: hidden, pool: pool)
      if let h0 = initial.hidden(unit.index, of: stack) {
        GEMM.sgemm(
          transposeA: true, m: gateWidth, n: hidden, k: batch, a: dHiddenGates + unit.time(0) * stepGateCount,
          lda: gateWidth, b: h0, ldb: stateStride, beta: 1, c: dWeight, ldc: hidden, pool: pool)
      }
    }
    if let dBias = parameterGradients[p + 2] {
      BiasGradient.columnSums(
        dInputGates, rows: rows, columns: gateWidth, into: dBias, accumulate: accumulateParameters[p + 2],
        pool: pool)
    }
    if let dBias = parameterGradients[p + 3] {
      BiasGradient.columnSums(
        dHiddenGates, rows: rows, columns: gateWidth, into: dBias, accumulate: accumulateParameters[p + 3],
        pool: pool)
    }
  }

  /// A unit's share of the gradient of its layer's time-major input,
  /// `dInput (+)= dInputGates W_ih`: written by the forward direction, added
  /// by the reverse one.
  func inputGradient(_ unit: RecurrentUnit, dInputGates: UnsafePointer<Float>, into dInput: UnsafeMutablePointer<Float>)
  {
    let inputSize = stack.inputSize(unit.layer)
    GEMM.sgemm(
      m: steps * batch, n: inputSize, k: gateWidth, a: dInputGates, lda: gateWidth, b: unit.parameter(0),
      ldb: inputSize, beta: unit.direction == 0 ? 0 : 1, c: dInput, ldc: inputSize, pool: pool)
  }
}

// MARK: - LSTM

extension RecurrentPass {
  /// One direction of one layer: the input projection of all steps in one
  /// GEMM (with `b_ih`), then per step the recurrent GEMM
  /// `h_{t-1} W_hh^T + b_hh` added into the step's gates, and the cell:
  /// `c_t = f * c_{t-1} + i * g`, `h_t = o * tanh(c_t)`.
  func lstmForward(_ unit: RecurrentUnit, saved: [UnsafeMutablePointer<Float>], input: UnsafePointer<Float>) {
    let layer = unit.layer
    let (gates, cells, cellTanh) = (
      unit.gates(saved[4 * layer]), unit.perDirection(saved[4 * layer + 1]), unit.perDirection(saved[4 * layer + 2])
    )
    let states = unit.states(saved)
    let c0 = initial.cell(unit.index, of: stack)
    projectInputs(unit, input: input, into: gates)
    for s in 0..<steps {
      let t = unit.time(s)
      let stepGates = gates + t * stepGateCount
      let offset = t * stepHiddenCount
      let previousOffset = s > 0 ? unit.time(s - 1) * stepHiddenCount : nil
      let (previous, stride) = previousState(unit, step: s, states: states)
      recurrentTerm(unit, previous: previous, stride: stride, into: stepGates, accumulate: true)
      for n in 0..<batch {
        let g = stepGates + n * gateWidth
        let (input, forget, candidate, output) = (g, g + hidden, g + 2 * hidden, g + 3 * hidden)
        VectorMath.sigmoid(input, input, count: 2 * hidden)  // input and forget gates
        VectorMath.tanh(candidate, candidate, count: hidden)
        VectorMath.sigmoid(output, output, count: hidden)
        let cell = cells + offset + n * hidden
        if let previousCell = previousOffset.map({ cells + $0 + n * hidden }) ?? c0.map({ $0 + n * stateStride }) {
          for j in 0..<hidden { cell[j] = forget[j] * previousCell[j] + input[j] * candidate[j] }
        } else {
          for j in 0..<hidden { cell[j] = input[j] * candidate[j] }
        }
      }
      VectorMath.tanh(cells + offset, cellTanh + offset, count: stepHiddenCount)
      for n in 0..<batch {
        let output = stepGates + n * gateWidth + 3 * hidden
        let (squashed, state) = (cellTanh + offset + n * hidden, states + t * stepStateCount + n * outputWidth)
        for j in 0..<hidden { state[j] = output[j] * squashed[j] }
      }
    }
  }

  /// Backpropagation through time of one direction of one layer, from the
  /// gradient of its output columns in `dStates` (`[T, N, D·H]`) and of its
  /// final states: per step in reverse visiting order, the gate gradients
  /// (into `dGates`, `[T, N, 4H]`) from the hidden-state gradient and the
  /// running cell gradient (`dCell`, `[N, H]`), and the recurrent GEMM
  /// `dh_{t-1} += dGates_t W_hh`; the initial states' gradients last.
  func lstmBackward(
    _ unit: RecurrentUnit, saved: [UnsafeMutablePointer<Float>], dStates allStates: UnsafeMutablePointer<Float>,
    dGates: UnsafeMutablePointer<Float>, dCell: UnsafeMutablePointer<Float>
  ) {
    let layer = unit.layer
    let (gates, cells, cellTanh) = (
      unit.gates(saved[4 * layer]), unit.perDirection(saved[4 * layer + 1]), unit.perDirection(saved[4 * layer + 2])
    )
    let dStates = allStates + unit.direction * hidden
    let c0 = initial.cell(unit.index, of: stack)
    dCell.update(repeating: 0, count: stepHiddenCount)
    if let dcN = finalGradient.cell(unit.index, of: stack) { addStates(dcN, into: dCell, rowStride: hidden) }
    if let dhN = finalGradient.hidden(unit.index, of: stack) {
      addStates(dhN, into: dStates + unit.time(steps - 1) * stepStateCount, rowStride: outputWidth)
    }
    for s in (0..<steps).reversed() {
      let t = unit.time(s)
      let (stepGates, stepDGates) = (gates + t * stepGateCount, dGates + t * stepGateCount)
      let offset = t * stepHiddenCount
      let previousOffset = s > 0 ? unit.time(s - 1) * stepHiddenCount : nil
      for n in 0..<batch {
        let (g, dg) = (stepGates + n * gateWidth, stepDGates + n * gateWidth)
        let (input, forget, candidate, output) = (g, g + hidden, g + 2 * hidden, g + 3 * hidden)
        let (dInput, dForget, dCandidate, dOutput) = (dg, dg + hidden, dg + 2 * hidden, dg + 3 * hidden)
        let row = n * hidden
        let dState = dStates + t * stepStateCount + n * outputWidth
        let (squashed, carry) = (cellTanh + offset + row, dCell + row)
        // Short loops over few arrays, so that each one vectorizes.
        for j in 0..<hidden { dOutput[j] = dState[j] * squashed[j] * output[j] * (1 - output[j]) }
        for j in 0..<hidden { carry[j] += dState[j] * output[j] * (1 - squashed[j] * squashed[j]) }
        for j in 0..<hidden { dInput[j] = carry[j] * candidate[j] * input[j] * (1 - input[j]) }
        for j in 0..<hidden { dCandidate[j] = carry[j] * input[j] * (1 - candidate[j] * candidate[j]) }
        if let previousCell = previousOffset.map({ cells + $0 + row }) ?? c0.map({ $0 + n * stateStride }) {
          for j in 0..<hidden { dForget[j] = carry[j] * previousCell[j] * forget[j] * (1 - forget[j]) }
        } else {
          dForget.update(repeating: 0, count: hidden)
        }
        for j in 0..<hidden { carry[j] *= forget[j] }
      }
      if s > 0 {
        backpropagateRecurrentTerm(
          unit, dGates: stepDGates, into: dStates + unit.time(s - 1) * stepStateCount, stride: outputWidth)
      } else {
        initialStateGradient(unit, dGates: stepDGates, directPath: false)
      }
    }
    // The running cell gradient is now the initial cell state's.
    if let dc0 = initialGradient.cell(unit.index, of: stack) {
      copyStates(dCell, rowStride: hidden, toStrided: dc0, accumulate: accumulateInitial[1])
    }
  }
}

// MARK: - GRU

extension RecurrentPass {
  /// One direction of one layer: the input projection of all steps in one
  /// GEMM (with `b_ih`), then per step the recurrent GEMM
  /// `h_{t-1} W_hh^T + b_hh` (into `recurrent`, `[N, 3H]`) and the cell, as
  /// PyTorch: `r = σ(x_r + h_r)`, `z = σ(x_z + h_z)`, `n = tanh(x_n + r * h_n)`,
  /// `h_t = (1 - z) * n + z * h_{t-1}`.
  func gruForward(
    _ unit: RecurrentUnit, saved: [UnsafeMutablePointer<Float>], input: UnsafePointer<Float>,
    recurrent: UnsafeMutablePointer<Float>
  ) {
    let layer = unit.layer
    let (gates, resetOperand) = (unit.gates(saved[3 * layer]), unit.perDirection(saved[3 * layer + 1]))
    let states = unit.states(saved)
    projectInputs(unit, input: input, into: gates)
    for s in 0..<steps {
      let t = unit.time(s)
      let stepGates = gates + t * stepGateCount
      let offset = t * stepHiddenCount
      let (previous, stride) = previousState(unit, step: s, states: states)
      recurrentTerm(unit, previous: previous, stride: stride, into: recurrent, accumulate: false)
      for n in 0..<batch {
        let (g, h) = (stepGates + n * gateWidth, recurrent + n * gateWidth)
        let (reset, update, candidate) = (g, g + hidden, g + 2 * hidden)
        let state = states + t * stepStateCount + n * outputWidth
        for j in 0..<(2 * hidden) { g[j] += h[j] }
        VectorMath.sigmoid(reset, reset, count: 2 * hidden)  // reset and update gates
        (resetOperand + offset + n * hidden).update(from: h + 2 * hidden, count: hidden)
        for j in 0..<hidden { candidate[j] += reset[j] * h[2 * hidden + j] }
        VectorMath.tanh(candidate, candidate, count: hidden)
        if let previousState = previous.map({ $0 + n * stride }) {
          for j in 0..<hidden { state[j] = (1 - update[j]) * candidate[j] + update[j] * previousState[j] }
        } else {
          for j in 0..<hidden { state[j] = (1 - update[j]) * candidate[j] }
        }
      }
    }
  }

  /// Backpropagation through time of one direction of one layer, from the
  /// gradient of its output columns in `dStates` (`[T, N, D·H]`) and of its
  /// final state: per step in reverse visiting order, the gate gradients
  /// (input side and hidden side, `[T, N, 3H]` each) from the hidden-state
  /// gradient, the direct path `dh_{t-1} += dh_t * z` and the recurrent GEMM
  /// `dh_{t-1} += dGates_t W_hh`.
  func gruBackward(
    _ unit: RecurrentUnit, saved: [UnsafeMutablePointer<Float>], dStates allStates: UnsafeMutablePointer<Float>,
    dInputGates: UnsafeMutablePointer<Float>, dHiddenGates: UnsafeMutablePointer<Float>
  ) {
    let layer = unit.layer
    let (gates, resetOperand) = (unit.gates(saved[3 * layer]), unit.perDirection(saved[3 * layer + 1]))
    let states = unit.states(saved)
    let dStates = allStates + unit.direction * hidden
    let dh0 = initialGradient.hidden(unit.index, of: stack)
    if let dhN = finalGradient.hidden(unit.index, of: stack) {
      addStates(dhN, into: dStates + unit.time(steps - 1) * stepStateCount, rowStride: outputWidth)
    }
    for s in (0..<steps).reversed() {
      let t = unit.time(s)
      let stepGates = gates + t * stepGateCount
      let (stepDInput, stepDHidden) = (dInputGates + t * stepGateCount, dHiddenGates + t * stepGateCount)
      let offset = t * stepHiddenCount
      let (previous, stride) = previousState(unit, step: s, states: states)
      let dPreviousRows: (UnsafeMutablePointer<Float>, stride: Int)? =
        s > 0 ? (dStates + unit.time(s - 1) * stepStateCount, outputWidth) : dh0.map { ($0, stateStride) }
      for n in 0..<batch {
        let g = stepGates + n * gateWidth
        let (reset, update, candidate) = (g, g + hidden, g + 2 * hidden)
        let (dx, dh) = (stepDInput + n * gateWidth, stepDHidden + n * gateWidth)
        let (dReset, dUpdate, dCandidate) = (dx, dx + hidden, dx + 2 * hidden)
        let dState = dStates + t * stepStateCount + n * outputWidth
        let operand = resetOperand + offset + n * hidden
        let previousState = previous.map { UnsafePointer($0 + n * stride) }
        let dPrevious = dPreviousRows.map { $0.0 + n * $0.stride }
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
          if s > 0 || accumulateInitial[0] {
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
      if s > 0 {
        backpropagateRecurrentTerm(
          unit, dGates: stepDHidden, into: dStates + unit.time(s - 1) * stepStateCount, stride: outputWidth)
      } else {
        initialStateGradient(unit, dGates: stepDHidden, directPath: true)
      }
    }
  }
}
