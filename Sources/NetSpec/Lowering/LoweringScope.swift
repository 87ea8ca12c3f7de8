import NetSpecDiagnostics

/// What flows from one layer to the next in a sequential list.
enum Flow {
  /// No value yet (the first layer of a spec with several inputs).
  case none
  case value(ValueID)
  /// An earlier error made the value unknown; layers that consume it are
  /// skipped silently so one mistake does not cascade.
  case poisoned
}

/// Names visible while lowering one layer list: the top level, or one block
/// instance. Blocks see their own layers and inputs, never their caller's.
struct LoweringScope {
  /// Qualified-name prefix of everything defined here (`layer1.0.`).
  var prefix: String
  var resolver: ValueResolver
  /// Values by local name.
  var locals: [String: ValueID] = [:]
  /// Where each local name was defined (for duplicate-name labels).
  var definitions: [String: SourceSpan] = [:]
  /// Names whose layer failed: references to them are silently poisoned.
  var poisoned: Set<String> = []
  /// Layers removed by `repeat: 0`, with the span of their count: a reference
  /// to one of them, or to one of their copies, is an error there.
  var removed: [String: SourceSpan] = [:]
  /// Layers with several outputs and no primary one (`split`), by local name:
  /// a reference must name one of their outputs (`gate.0`).
  var severalOutputs: [String: NodeID] = [:]
  let isTopLevel: Bool

  /// The removed layer `name` is, or is a copy of (`stage.1`), with the span of
  /// its `repeat: 0`.
  func removal(of name: String) -> (String, SourceSpan)? {
    if let span = removed[name] { return (name, span) }
    guard let dot = name.lastIndex(of: "."), name[name.index(after: dot)...].allSatisfy(\.isNumber) else {
      return nil
    }
    let stage = String(name[..<dot])
    return removed[stage].map { (stage, $0) }
  }

  var visibleNames: [String] { Array(locals.keys) + Array(poisoned) }
}

/// Bounds on spec expansion, so a hostile spec cannot make lowering hang.
public struct LoweringLimits: Sendable {
  /// Most layers after expanding blocks and repeats.
  public var maxLayers = 100_000
  /// Deepest block nesting.
  public var maxBlockDepth = 32
  /// Largest `repeat`.
  public var maxRepeat = 10_000

  public init() {}
  public static let `default` = LoweringLimits()
}
