import NetSpecKernels

/// Sizes of one `lstm` or `gru` kernel call.
///
/// The kernels keep their sequences time-major, `[T, N, F]`, so that the `N`
/// rows of one step are contiguous: each step's recurrent product is one GEMM
/// over `N` rows, and a layer's input projection and weight gradients are one
/// GEMM over all `T * N` rows.
struct RecurrentSizes {
  let batch: Int
  /// `T`.
  let steps: Int
  /// `I`: features of the layer-0 input.
  let features: Int
  /// `H`.
  let hidden: Int
  /// `G * H`: the rows of every weight (G = 4 for LSTM, 3 for GRU).
  let gateWidth: Int

  init(_ shapes: OpShapes, hidden: Int, gates: Int, batch: Int) {
    self.batch = batch
    steps = shapes.inputs[0][0]
    features = shapes.inputs[0][1]
    self.hidden = hidden
    gateWidth = gates * hidden
  }

  /// Features of layer `layer`'s input: `I` for the first, `H` above it.
  func inputSize(_ layer: Int) -> Int { layer == 0 ? features : hidden }
  /// Floats of one step of a hidden sequence `[N, H]`.
  var stepHidden: Int { batch * hidden }
  /// Floats of one step of a gate sequence `[N, G * H]`.
  var stepGates: Int { batch * gateWidth }
}

/// The parts of the `lstm` and `gru` kernels that do not depend on the cell:
/// layouts, the GEMMs that feed the gates and the weight gradients.
///
/// Parameters of layer `l` are `4l + 0` (`weight_ih`), `+ 1` (`weight_hh`),
/// `+ 2` (`bias_ih`), `+ 3` (`bias_hh`).
extension Recurrence {
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
  static func projectInputs(
    _ k: Kernel, layer: Int, _ size: RecurrentSizes, input: UnsafePointer<Float>,
    into gates: UnsafeMutablePointer<Float>
  ) {
    let inputSize = size.inputSize(layer)
    GEMM.sgemm(
      transposeB: true, m: size.steps * size.batch, n: size.gateWidth, k: inputSize, a: input, lda: inputSize,
      b: k.parameters[4 * layer], ldb: inputSize, c: gates, ldc: size.gateWidth,
      epilogue: GEMMEpilogue(bias: .perColumn(k.parameters[4 * layer + 2])), pool: k.pool)
  }

  /// One step's recurrent term `h_{t-1} W_hh^T + b_hh` for the `N` rows of
  /// `gates` (`[N, G * H]`): added to them when `accumulate` is set, else written.
  /// At the first step (`previous` nil) the state is zero and only the bias remains.
  static func recurrentTerm(
    _ k: Kernel, layer: Int, _ size: RecurrentSizes, previous: UnsafePointer<Float>?,
    into gates: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    let bias = k.parameters[4 * layer + 3]
    guard let previous else {
      for n in 0..<size.batch {
        let row = gates + n * size.gateWidth
        if accumulate {
          for j in 0..<size.gateWidth { row[j] += bias[j] }
        } else {
          row.update(from: bias, count: size.gateWidth)
        }
      }
      return
    }
    GEMM.sgemm(
      transposeB: true, m: size.batch, n: size.gateWidth, k: size.hidden, a: previous, lda: size.hidden,
      b: k.parameters[4 * layer + 1], ldb: size.hidden, beta: accumulate ? 1 : 0, c: gates, ldc: size.gateWidth,
      epilogue: GEMMEpilogue(bias: .perColumn(bias)), pool: k.pool)
  }

  /// Backpropagates one step's recurrent term: `dh_{t-1} += dGates_t W_hh`.
  static func backpropagateRecurrentTerm(
    _ k: Kernel, layer: Int, _ size: RecurrentSizes, dGates: UnsafePointer<Float>,
    into dPrevious: UnsafeMutablePointer<Float>
  ) {
    GEMM.sgemm(
      m: size.batch, n: size.hidden, k: size.gateWidth, a: dGates, lda: size.gateWidth,
      b: k.parameters[4 * layer + 1], ldb: size.hidden, beta: 1, c: dPrevious, ldc: size.hidden, pool: k.pool)
  }

  /// The last layer's time-major hidden sequence `[T, N, H]` as the op's output:
  /// `[N, T, H]` for `sequences`, the final step `[N, H]` for `last`.
  static func writeOutput(
    _ k: Kernel, _ size: RecurrentSizes, returns: RecurrentOutput, hidden: UnsafePointer<Float>
  ) {
    switch returns {
    case .sequences:
      toBatchMajor(
        hidden, k.outputs[0], batch: size.batch, steps: size.steps, features: size.hidden, accumulate: false)
    case .last:
      k.outputs[0].update(from: hidden + (size.steps - 1) * size.stepHidden, count: size.stepHidden)
    }
  }

  /// The output gradient as the gradient of the last layer's time-major hidden
  /// sequence `dHidden` (`[T, N, H]`, zero before the final step for `last`).
  static func readOutputGradient(
    _ k: Kernel, _ size: RecurrentSizes, returns: RecurrentOutput, into dHidden: UnsafeMutablePointer<Float>
  ) {
    switch returns {
    case .sequences:
      toTimeMajor(k.outputGradients[0], dHidden, batch: size.batch, steps: size.steps, features: size.hidden)
    case .last:
      let final = (size.steps - 1) * size.stepHidden
      dHidden.update(repeating: 0, count: final)
      (dHidden + final).update(from: k.outputGradients[0], count: size.stepHidden)
    }
  }

  /// A layer's parameter gradients after backpropagation through its steps, and
  /// the gradient of its input sequence, each one GEMM over all steps:
  /// `dW_ih = dInputGates^T input`, `dW_hh = dHiddenGates[1...]^T hidden[..<T-1]`,
  /// the biases' column sums, and `dInput = dInputGates W_ih` (time-major,
  /// overwritten). The gate gradients are `[T, N, G * H]`; they are the same
  /// buffer for LSTM, and differ in the new gate for GRU.
  static func layerGradients(
    _ k: Kernel, layer: Int, _ size: RecurrentSizes, input: UnsafePointer<Float>, hidden: UnsafePointer<Float>,
    dInputGates: UnsafePointer<Float>, dHiddenGates: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>?
  ) {
    let (inputSize, rows, p) = (size.inputSize(layer), size.steps * size.batch, 4 * layer)
    if let dWeight = k.parameterGradients[p] {
      GEMM.sgemm(
        transposeA: true, m: size.gateWidth, n: inputSize, k: rows, a: dInputGates, lda: size.gateWidth, b: input,
        ldb: inputSize, beta: k.parameterBeta(p), c: dWeight, ldc: inputSize, pool: k.pool)
    }
    if let dWeight = k.parameterGradients[p + 1] {
      GEMM.sgemm(
        transposeA: true, m: size.gateWidth, n: size.hidden, k: rows - size.batch,
        a: dHiddenGates + size.stepGates, lda: size.gateWidth, b: hidden, ldb: size.hidden,
        beta: k.parameterBeta(p + 1), c: dWeight, ldc: size.hidden, pool: k.pool)
    }
    if let dBias = k.parameterGradients[p + 2] {
      BiasGradient.columnSums(
        dInputGates, rows: rows, columns: size.gateWidth, into: dBias, accumulate: k.accumulateParameter[p + 2])
    }
    if let dBias = k.parameterGradients[p + 3] {
      BiasGradient.columnSums(
        dHiddenGates, rows: rows, columns: size.gateWidth, into: dBias, accumulate: k.accumulateParameter[p + 3])
    }
    if let dInput {
      GEMM.sgemm(
        m: rows, n: inputSize, k: size.gateWidth, a: dInputGates, lda: size.gateWidth, b: k.parameters[p],
        ldb: inputSize, c: dInput, ldc: inputSize, pool: k.pool)
    }
  }
}
