import NetSpecDiagnostics
import NetSpecYAML

/// The `decode:` section: how `netspec predict --greedy` decodes a
/// sequence-to-sequence model autoregressively. The model input `input`
/// reads the tokens decoded so far, shifted right behind `start` (the
/// teacher-forcing input of training); each step feeds the model's most
/// likely token at one position back into the next.
///
/// ```yaml
/// decode: {input: previous, start: 10, end: 11}
/// ```
public struct DecodeSpec: Sendable {
  /// A number of the section with where it was written.
  public struct Number: Sendable, Hashable {
    public var value: Int
    public var span: SourceSpan
  }

  /// The model input fed the decoded tokens.
  public var input: Reference
  /// The token the decoder reads first; nil when the spec's synthetic task
  /// implies it (its start token, `vocab`).
  public var start: Number?
  /// The token that ends a sequence; nil to decode every position.
  public var end: Number?
  /// The number of tokens to decode when `input`'s length is a symbol of its own.
  public var maxLength: Number?
  /// The `decode:` value.
  public var span: SourceSpan

  static let keys = ["input", "start", "end", "max_length"]

  static func decode(_ node: YAMLNode, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag) -> DecodeSpec? {
    guard let reader = MappingReader(node, section: "decode", keys: keys, resolver: resolver, &diagnostics)
    else { return nil }
    reader.requireKey(
      "input", help: "name the model input that reads the tokens decoded so far, e.g. `input: previous`",
      &diagnostics)
    guard let value = reader.value("input", &diagnostics),
      let name = ValueCheck.string(value, what: "`input`", &diagnostics)
    else { return nil }
    func token(_ key: String, from minimum: Int) -> Number? {
      guard let value = reader.value(key, &diagnostics),
        let token = ValueCheck.int(value, in: minimum...Dim.limit, what: "`\(key)`", &diagnostics)
      else { return nil }
      return Number(value: token, span: value.span)
    }
    return DecodeSpec(
      input: Reference(name, span: value.span), start: token("start", from: 0), end: token("end", from: 0),
      maxLength: token("max_length", from: 1), span: reader.span)
  }
}
