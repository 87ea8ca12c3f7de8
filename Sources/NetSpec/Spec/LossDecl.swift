import NetSpecDiagnostics
import NetSpecYAML

/// `train.loss`: the loss op to minimize, what it compares, and its own
/// attributes. The op and its attributes are validated against the op registry
/// when the training graph is lowered; decoding only reads the structure.
///
/// ```yaml
/// loss: mse
/// loss: {cross_entropy: {from: logits, target: label, label_smoothing: 0.1}}
/// ```
public struct LossDecl: Sendable {
  /// The loss op's name as written (`cross_entropy`, `mse`).
  public var op: String
  public var opSpan: SourceSpan
  /// The op's own attributes in source order, without `from` and `target`.
  public var attributes: [YAMLEntry]
  /// The layer whose output is the prediction; nil means the model's output.
  public var from: Reference?
  /// The data tensor holding the targets; `label` (at the loss's span) unless given.
  public var target: Reference
  /// The whole `loss:` value.
  public var span: SourceSpan

  /// Keys of the attribute mapping that belong to the loss itself, not its op.
  static let ownKeys = ["from", "target"]

  /// The target tensor every data source provides.
  static let defaultTarget = "label"

  static func decode(
    _ node: YAMLNode, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> LossDecl? {
    guard
      let tagged = TaggedNode.read(
        node, what: "loss", example: "loss: {cross_entropy: {target: label}}", &diagnostics)
    else { return nil }
    var loss = LossDecl(
      op: tagged.name, opSpan: tagged.nameSpan, attributes: [], from: nil,
      target: Reference(defaultTarget, span: tagged.span), span: tagged.span)
    switch tagged.body {
    case nil:
      return loss
    case .mapping(let entries, _)?:
      var valid = true
      for entry in entries {
        guard ownKeys.contains(entry.key.value) else {
          loss.attributes.append(entry)
          continue
        }
        guard
          let value = resolver.resolve(entry.value, &diagnostics),
          let reference = ValueCheck.reference(value, what: "`\(entry.key.value)`", &diagnostics)
        else {
          valid = false
          continue
        }
        if entry.key.value == "from" { loss.from = reference } else { loss.target = reference }
      }
      return valid ? loss : nil
    case let body?:
      diagnostics.append(
        Diagnostic(
          .typeMismatch, at: body.span,
          "the attributes of loss `\(tagged.name)` must be a mapping, found \(body.kindDescription)"
        ).help("write `{\(tagged.name): {attribute: value}}`, or just `\(tagged.name)`"))
      return nil
    }
  }
}
