import NetSpecDiagnostics
import NetSpecKernels

/// The declared type of an op attribute, with its allowed range.
public enum AttributeKind: Sendable {
  /// An integer within `range` (inclusive).
  case int(ClosedRange<Int>)
  /// A number within `range`; `exclusiveUpper` excludes the upper bound
  /// (dropout's rate is in [0, 1)).
  case float(ClosedRange<Double>, exclusiveUpper: Bool = false)
  case bool
  /// One of a fixed set of words.
  case choice([String])
  /// An integer or a `[height, width]` pair, each within `range`.
  case pair(ClosedRange<Int>)
  /// Padding: an integer, a `[height, width]` pair, `same` or `valid`.
  case padding
  /// A target shape: integers, `-1` (inferred, at most once) and symbols.
  case shape
  /// A list of integers (e.g. a permutation).
  case ints
  /// One axis or a list of axes (`axes: 1`, `axes: [2, 3]`), read as a list.
  case axes
  /// The name of another layer.
  case reference

  /// How the kind reads in a help line: "an integer in 1...65536".
  public var expectation: String {
    switch self {
    case .int(let r): "an integer \(describe(r))"
    case .float(let r, let exclusive):
      exclusive
        ? "a number in [\(formatNumber(r.lowerBound)), \(formatNumber(r.upperBound)))"
        : "a number in [\(formatNumber(r.lowerBound)), \(formatNumber(r.upperBound))]"
    case .bool: "`true` or `false`"
    case .choice(let words): Suggestions.list(words)
    case .pair(let r): "an integer \(describe(r)) or a [height, width] pair of them"
    case .padding: "an integer, a [height, width] pair, `same` or `valid`"
    case .shape: "a list of sizes (integers, symbols, or -1 once)"
    case .ints: "a list of integers"
    case .axes: "an axis or a list of axes (integers; negative axes count from the end)"
    case .reference: "the name of a layer"
    }
  }

  private func describe(_ r: ClosedRange<Int>) -> String {
    if r.upperBound >= Dim.limit { return ">= \(r.lowerBound)" }
    return "in \(r.lowerBound)...\(r.upperBound)"
  }
}

/// One attribute of an op: name, type, default and a line of documentation.
public struct AttributeSpec: Sendable {
  /// Whether the attribute must be given, has a default, or is optional.
  public enum Default: Sendable {
    case required
    case value(SpecValue.Kind)
    case optional
  }

  public var name: String
  public var kind: AttributeKind
  public var defaultValue: Default
  public var doc: String

  public init(_ name: String, _ kind: AttributeKind, _ defaultValue: Default, _ doc: String) {
    self.name = name
    self.kind = kind
    self.defaultValue = defaultValue
    self.doc = doc
  }

  /// A required attribute.
  public static func required(_ name: String, _ kind: AttributeKind, _ doc: String)
    -> AttributeSpec
  { AttributeSpec(name, kind, .required, doc) }

  /// An attribute with a default.
  public static func `default`(
    _ name: String, _ kind: AttributeKind, _ value: SpecValue.Kind, _ doc: String
  ) -> AttributeSpec { AttributeSpec(name, kind, .value(value), doc) }

  /// An attribute that may be left out.
  public static func optional(_ name: String, _ kind: AttributeKind, _ doc: String)
    -> AttributeSpec
  { AttributeSpec(name, kind, .optional, doc) }
}

/// An activation fused into a layer's output (`dense: {units: 10, activation: relu}`):
/// one of ``ActivationKernel/fusable``, so a kernel listed there is accepted
/// by every layer with an `activation` attribute.
public struct Activation: RawRepresentable, Sendable, Equatable {
  /// Its name in a spec (`relu`).
  public let rawValue: String
  /// The kernel computing it.
  public let kernel: ActivationKernel

  /// The fusable activation named `name`, if any.
  public init?(rawValue name: String) {
    guard let entry = ActivationKernel.fusable.first(where: { $0.name == name }) else { return nil }
    rawValue = name
    kernel = entry.kernel
  }

  /// ReLU, which GEMM epilogues and the planner's mask folding handle specially.
  public static let relu = Activation(rawValue: "relu")!

  /// Attribute spec shared by layers that take an `activation`.
  public static let attribute = AttributeSpec.optional(
    "activation", .choice(ActivationKernel.fusable.map(\.name)),
    "activation applied to the output (fused into the layer)")
}
