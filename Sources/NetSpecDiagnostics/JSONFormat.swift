/// How ``JSONValue/serialized(_:)`` lays out JSON text. The presets are the
/// layouts NetSpec's outputs have always had; each output's exact bytes
/// depend on its preset.
public struct JSONFormat: Sendable, Equatable {
  /// Whether to indent: two spaces a level, one member or element a line,
  /// `"key": value`, and a newline at the end. When false, no whitespace at all.
  public var indented: Bool
  /// Whether object members are written sorted by key rather than in the
  /// order the object holds them.
  public var sortedKeys: Bool
  /// When indented, whether an array of scalars only (no arrays or objects) is
  /// written on one line, `[1, 2, 3]`.
  public var scalarArraysOnOneLine: Bool
  /// Whether integral doubles below 10^15 in magnitude are written as integers
  /// (`3`) rather than in Swift's shortest round-trip form (`3.0`). Other
  /// doubles are always in that form (`0.001`, `1e-05`); NaN and infinities,
  /// which JSON cannot hold, are always `null`.
  public var integralDoublesAsIntegers: Bool
  /// How strings and keys are escaped.
  public var escaping: JSONEscaping

  /// Creates a format.
  public init(
    indented: Bool, sortedKeys: Bool, scalarArraysOnOneLine: Bool, integralDoublesAsIntegers: Bool,
    escaping: JSONEscaping
  ) {
    self.indented = indented
    self.sortedKeys = sortedKeys
    self.scalarArraysOnOneLine = scalarArraysOnOneLine
    self.integralDoublesAsIntegers = integralDoublesAsIntegers
    self.escaping = escaping
  }

  /// Indented, members in the order held, every element on its own line,
  /// ``JSONEscaping/standard``: the diagnostic renderers (JSON, SARIF).
  public static let prettyOrdered = JSONFormat(
    indented: true, sortedKeys: false, scalarArraysOnOneLine: false, integralDoublesAsIntegers: true,
    escaping: .standard)

  /// Indented, members sorted by key (stable whatever order they were built
  /// in), arrays of scalars on one line, integral doubles as integers,
  /// ``JSONEscaping/whitespaceByLetter``: `netspec summary --format json` and
  /// `netspec schema`.
  public static let prettySorted = JSONFormat(
    indented: true, sortedKeys: true, scalarArraysOnOneLine: true, integralDoublesAsIntegers: true,
    escaping: .whitespaceByLetter)

  /// No whitespace, members in the order held, doubles in Swift's shortest
  /// form (`1800.0`), ``JSONEscaping/serdeJSON``: safetensors headers (which
  /// must match the reference writer's bytes) and metrics log lines.
  public static let compact = JSONFormat(
    indented: false, sortedKeys: false, scalarArraysOnOneLine: false, integralDoublesAsIntegers: false,
    escaping: .serdeJSON)

  /// `value` as a JSON number, or `null` when it is not finite.
  func number(_ value: Double) -> String {
    guard value.isFinite else { return "null" }
    if integralDoublesAsIntegers, value.rounded() == value, abs(value) < 1e15 { return String(Int(value)) }
    return String(value)
  }
}
