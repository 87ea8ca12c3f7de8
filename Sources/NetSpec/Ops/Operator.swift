import Foundation
import NetSpecDiagnostics

/// The definition of one op: its schema, its typed attributes and its shape rule.
/// Everything about an op lives in the one file that conforms to this protocol;
/// ``OpRegistry`` lists the conforming types.
///
/// ```swift
/// struct ReLU: Operator {
///   static let schema = OpSchema(name: "relu", category: .activation, summary: "max(x, 0)")
///   init(_ attributes: Attributes) {}
///   func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
///     Inference(outputs: [inputs[0]], flops: inputs[0].shape.elementCount ?? 0)
///   }
/// }
/// ```
public protocol Operator: Sendable {
  /// Name, attributes with types, defaults and ranges, input arity.
  static var schema: OpSchema { get }
  /// Builds the op from validated attributes.
  init(_ attributes: Attributes)
  /// Output types, parameters and forward cost for the given input types (whose
  /// count already matches the schema's arity).
  func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference
}

/// An op whose output is a scalar training objective rather than part of the
/// model: every loss, and the weighted sum of a list of loss terms
/// (``LossSum``). Inference, FLOPs and model exports leave these nodes out.
public protocol ObjectiveOperator: Operator {}

/// A loss: takes `[prediction, target]` and outputs a scalar `[]`. The target's
/// type follows from the prediction's (class indices for cross-entropy, the same
/// shape for MSE), so data loaders and the CLI know what labels to provide.
public protocol LossOperator: ObjectiveOperator {
  /// The type of the target compared against `prediction`.
  func targetType(for prediction: TensorType) throws(ShapeError) -> TensorType
}

/// The result of shape inference for one op application.
public struct Inference: Sendable {
  public var outputs: [TensorType]
  public var parameters: [ParameterSpec]
  /// Non-trainable state kept with the weights (batchnorm's running statistics).
  public var buffers: [ParameterSpec]
  /// Forward floating-point operations (multiply and add count as 2).
  public var flops: Dim

  public init(
    outputs: [TensorType], parameters: [ParameterSpec] = [], buffers: [ParameterSpec] = [],
    flops: Dim = 0
  ) {
    self.outputs = outputs
    self.parameters = parameters
    self.buffers = buffers
    self.flops = flops
  }
}

/// A trainable tensor an op owns, with how to initialize it.
public struct ParameterSpec: Sendable, Hashable {
  /// Local name within the layer, e.g. `weight` (the graph prefixes the layer name).
  public var name: String
  public var shape: [Int]
  public var initializer: Initializer
  /// Blocks of rows that are separate matrices (a recurrent layer's gates,
  /// `weight_hh` `[4H, H]` = 4 blocks): an `init: orthogonal` makes each block
  /// orthogonal, as PyTorch users do gate by gate.
  public var rowBlocks: Int

  public init(_ name: String, _ shape: [Int], _ initializer: Initializer, rowBlocks: Int = 1) {
    self.name = name
    self.shape = shape
    self.initializer = initializer
    self.rowBlocks = rowBlocks
  }

  public var count: Int { shape.reduce(1, *) }
}

/// How a parameter's initial values are drawn (from the spec's seed).
public enum Initializer: Sendable, Hashable, CustomStringConvertible {
  case zeros
  case ones
  /// Uniform in [-bound, bound].
  case uniform(bound: Double)
  /// Normal with mean 0 and the given standard deviation.
  case normal(std: Double)
  /// Every value `value`.
  case constant(Double)
  /// Uniform in [low, high).
  case uniformRange(low: Double, high: Double)
  /// Consecutive `rows`x`columns` row-major blocks, each a (semi-)orthogonal
  /// matrix times `gain`: PyTorch's `orthogonal_` (the Q of a standard normal
  /// matrix's QR decomposition, with R's diagonal made positive).
  case orthogonal(gain: Double, rows: Int, columns: Int)

  /// PyTorch's default for linear and conv weights and biases:
  /// U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
  public static func fanIn(_ fanIn: Int) -> Initializer {
    .uniform(bound: 1 / Double(max(fanIn, 1)).squareRoot())
  }

  /// Glorot/Xavier uniform: U(-sqrt(6/(fanIn+fanOut)), +...).
  public static func glorot(fanIn: Int, fanOut: Int) -> Initializer {
    .uniform(bound: (6 / Double(max(fanIn + fanOut, 1))).squareRoot())
  }

  public var description: String {
    switch self {
    case .zeros: "zeros"
    case .ones: "ones"
    case .uniform(let b): "uniform(±\(String(format: "%.4g", b)))"
    case .normal(let s): "normal(0, \(String(format: "%.4g", s)))"
    case .constant(let v): "constant(\(String(format: "%.4g", v)))"
    case .uniformRange(let a, let b): "uniform(\(String(format: "%.4g", a)), \(String(format: "%.4g", b)))"
    case .orthogonal(let gain, let rows, let columns):
      "orthogonal(gain \(String(format: "%.4g", gain)), \(rows)x\(columns) blocks)"
    }
  }
}

/// Why an op cannot take its inputs or attributes. Lowering turns it into a
/// diagnostic at the layer (or at `attribute`), with a secondary label at the
/// layer that produced the offending `input`.
public struct ShapeError: Error, Sendable {
  public var code: DiagnosticCode
  public var message: String
  /// Index of the input whose shape is at fault, if one is.
  public var input: Int?
  /// The attribute at fault, if one is (the diagnostic points at its value).
  public var attribute: String?
  public var help: String?

  public init(
    _ code: DiagnosticCode = .shapeMismatch, _ message: String, input: Int? = nil,
    attribute: String? = nil, help: String? = nil
  ) {
    self.code = code
    self.message = message
    self.input = input
    self.attribute = attribute
    self.help = help
  }
}
