import NetSpecDiagnostics
import NetSpecKernels

/// An op that can run: forward and backward kernels on float32 buffers, plus
/// what the planner needs to know to place its buffers. Every op in the
/// registry conforms (a test iterates the registry), in the op's own file.
///
/// Kernels see only per-sample shapes and the batch size of the call: every
/// activation is `[batch, ...perSample]`, row-major, contiguous.
public protocol ExecutableOperator: Operator {
  /// Float counts of state saved by the forward pass for the backward pass
  /// (dropout masks, normalization statistics, gate activations), each per
  /// sample: the planner allocates `batch * count` floats for each.
  func savedState(_ shapes: OpShapes) -> [Int]
  /// Float count, per sample, of scratch used during one forward call and not
  /// kept (im2col buffers, temporaries); the backward call's too unless
  /// ``backwardWorkspace(_:)`` says otherwise.
  func workspace(_ shapes: OpShapes) -> Int
  /// Float count, per sample, of scratch used during one backward call
  /// (``workspace(_:)`` unless the op's passes differ, as a convolution's
  /// paths do).
  func backwardWorkspace(_ shapes: OpShapes) -> Int
  /// Which inputs and outputs the backward kernel reads (the planner keeps them
  /// alive until then).
  var backwardReads: BackwardReads { get }
  /// Computes outputs (and saved state) from inputs and parameters.
  func forward(_ kernel: Kernel)
  /// Computes input and parameter gradients from output gradients.
  func backward(_ kernel: Kernel)
  /// Small examples for the op-wide tests (gradient check, interpreter vs
  /// emitted code): attributes and input shapes.
  static var examples: [OpExample] { get }
}

extension ExecutableOperator {
  public func savedState(_ shapes: OpShapes) -> [Int] { [] }
  public func workspace(_ shapes: OpShapes) -> Int { 0 }
  public func backwardWorkspace(_ shapes: OpShapes) -> Int { workspace(shapes) }
  public var backwardReads: BackwardReads { .all }
}

/// Which forward values a backward kernel reads.
public struct BackwardReads: Sendable {
  public var inputs: Bool
  public var outputs: Bool

  public init(inputs: Bool, outputs: Bool) {
    self.inputs = inputs
    self.outputs = outputs
  }

  public static let all = BackwardReads(inputs: true, outputs: true)
  public static let inputsOnly = BackwardReads(inputs: true, outputs: false)
  public static let outputsOnly = BackwardReads(inputs: false, outputs: true)
  public static let nothing = BackwardReads(inputs: false, outputs: false)
}

/// Static per-sample shapes of one op application (batch axis removed).
public struct OpShapes: Sendable, Hashable {
  public var inputs: [[Int]]
  public var outputs: [[Int]]
  public var parameters: [[Int]]

  public init(inputs: [[Int]], outputs: [[Int]], parameters: [[Int]]) {
    self.inputs = inputs
    self.outputs = outputs
    self.parameters = parameters
  }

  /// Elements per sample of input `i`.
  public func inputCount(_ i: Int) -> Int { inputs[i].reduce(1, *) }
  /// Elements per sample of output `i`.
  public func outputCount(_ i: Int) -> Int { outputs[i].reduce(1, *) }
}

/// One example application of an op for op-wide tests.
public struct OpExample: Sendable {
  public var attributes: [String: SpecValue.Kind]
  /// Input types including the batch axis `N` first.
  public var inputs: [TensorType]
  /// For int32 inputs: ids are drawn from `0..<idRange`.
  public var idRange: Int
  /// Inputs are drawn away from 0 by this margin (for ops with a kink at 0).
  public var avoidZero: Bool
  /// An input that is a 0/1 mask (attention's key-padding mask): drawn as 0 or
  /// 1, and not differentiated (its gradient is 0, but not its finite difference).
  public var maskInput: Int?
  /// Inputs are drawn positive, in [0.2, 1.2] (for `log` and `sqrt`).
  public var positive: Bool

  public init(
    _ attributes: [String: SpecValue.Kind] = [:], inputs: [TensorType], idRange: Int = 4, avoidZero: Bool = false,
    maskInput: Int? = nil, positive: Bool = false
  ) {
    self.attributes = attributes
    self.inputs = inputs
    self.idRange = idRange
    self.avoidZero = avoidZero
    self.maskInput = maskInput
    self.positive = positive
  }
}

extension SpecValue.Kind {
  /// A list of integers as a spec writes it (`axes: [-2, -1]`), for examples.
  public static func exampleInts(_ values: [Int]) -> SpecValue.Kind {
    let span = SourceSpan(file: SourceFile(path: "<example>", text: ""), from: 0, to: 0)
    return .list(values.map { SpecValue(.int($0), span: span) })
  }
}

extension TensorType {
  /// `[N, dims...]` float32, for examples.
  public static func batch(_ dims: Int...) -> TensorType {
    TensorType([Dim.symbol("N")] + dims.map { Dim($0) })
  }

  /// `[N, dims...]` int32, for examples.
  public static func batchIDs(_ dims: Int...) -> TensorType {
    TensorType([Dim.symbol("N")] + dims.map { Dim($0) }, .int32)
  }
}

/// Buffers and sizes of one kernel call. Pointers stay valid for the whole run of
/// a plan; the interpreter builds one `Kernel` per step once and only changes
/// `batch`, `training`, `inference` and `seed` between calls.
public struct Kernel: @unchecked Sendable {
  /// Samples in this call (at most the plan's capacity).
  public var batch: Int
  public var shapes: OpShapes
  public var inputs: [UnsafeMutablePointer<Float>]
  public var outputs: [UnsafeMutablePointer<Float>]
  public var parameters: [UnsafeMutablePointer<Float>]
  /// Non-trainable state such as batchnorm's running statistics.
  public var buffers: [UnsafeMutablePointer<Float>]
  public var saved: [UnsafeMutablePointer<Float>]
  public var workspace: UnsafeMutablePointer<Float>?
  /// Backward only: gradients of the outputs.
  public var outputGradients: [UnsafeMutablePointer<Float>]
  /// Backward only: where input gradients go; nil where none is needed.
  public var inputGradients: [UnsafeMutablePointer<Float>?]
  /// Backward only: add into `inputGradients[i]` instead of overwriting it.
  public var accumulateInput: [Bool]
  /// Backward only: parameter gradients; nil for frozen parameters.
  public var parameterGradients: [UnsafeMutablePointer<Float>?]
  /// Backward only: add into `parameterGradients[i]` (tied weights).
  public var accumulateParameter: [Bool]
  /// Backward only: the ReLU output whose mask input 0's gradient gets as it
  /// is written (``ExecutionPlan/Step/inputGradientMask``).
  public var inputGradientMask: UnsafePointer<Float>? = nil
  /// Backward only: the output gradient already has this op's ReLU mask.
  public var outputGradientMasked = false
  /// A pooling run as the epilogue of this convolution's output pass
  /// (``ExecutionPlan/Step/fusedPooling``).
  var fusedPooling: FusedPoolingKernel? = nil
  /// A batchnorm folded into this convolution's weights
  /// (``ExecutionPlan/Step/foldedNormalization``).
  var foldedNormalization: FoldedNormalizationKernel? = nil
  /// Training mode (dropout active, batchnorm on batch statistics).
  public var training: Bool
  /// An inference pass (``Interpreter/infer(batch:)``), after which no
  /// backward pass runs: a folded batchnorm (``foldedNormalization``) applies.
  public var inference = false
  /// A seed for this call's randomness (dropout masks), derived from the run's
  /// seed, the node and the step.
  public var seed: UInt64
  public var pool: ComputePool

  public init(
    batch: Int, shapes: OpShapes, inputs: [UnsafeMutablePointer<Float>], outputs: [UnsafeMutablePointer<Float>],
    parameters: [UnsafeMutablePointer<Float>] = [], buffers: [UnsafeMutablePointer<Float>] = [],
    saved: [UnsafeMutablePointer<Float>] = [], workspace: UnsafeMutablePointer<Float>? = nil,
    outputGradients: [UnsafeMutablePointer<Float>] = [], inputGradients: [UnsafeMutablePointer<Float>?] = [],
    accumulateInput: [Bool] = [], parameterGradients: [UnsafeMutablePointer<Float>?] = [],
    accumulateParameter: [Bool] = [], training: Bool = true, seed: UInt64 = 0, pool: ComputePool = .shared
  ) {
    self.batch = batch
    self.shapes = shapes
    self.inputs = inputs
    self.outputs = outputs
    self.parameters = parameters
    self.buffers = buffers
    self.saved = saved
    self.workspace = workspace
    self.outputGradients = outputGradients
    self.inputGradients = inputGradients
    self.accumulateInput = accumulateInput
    self.parameterGradients = parameterGradients
    self.accumulateParameter = accumulateParameter
    self.training = training
    self.seed = seed
    self.pool = pool
  }
}

/// The buffers of a pooling fused into a convolution
/// (``ExecutionPlan/FusedPooling``), and its per-plane kernels.
struct FusedPoolingKernel: @unchecked Sendable {
  var operation: any PlanePooling
  var geometry: PoolingGeometry
  var output: UnsafeMutablePointer<Float>
  var saved: UnsafeMutablePointer<Float>?
  var outputGradient: UnsafeMutablePointer<Float>?

  /// Pools the convolution's output plane `plane`, at `x`.
  func forward(plane: Int, _ x: UnsafePointer<Float>) {
    let offset = plane * geometry.outputPlane
    operation.forwardPlane(geometry, x, output + offset, saved: saved.map { $0 + offset })
  }

  /// Writes the gradient of the convolution's output plane `plane` to `dx`,
  /// from the pooled gradient.
  func backward(plane: Int, into dx: UnsafeMutablePointer<Float>) {
    let offset = plane * geometry.outputPlane
    operation.backwardPlane(
      geometry, outputGradient! + offset, saved: saved.map { UnsafePointer($0 + offset) }, dx, accumulate: false)
  }
}
