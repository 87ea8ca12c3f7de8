import NetSpecDiagnostics
import NetSpecYAML

/// One term of `train.loss`: the loss op to minimize, what it compares, its
/// weight in the objective and its own attributes. The op and its attributes
/// are validated against the op registry when the training graph is lowered;
/// decoding only reads the structure. `train.loss` is one term or a list of
/// weighted terms, summed into one objective.
///
/// ```yaml
/// loss: mse
/// loss: {cross_entropy: {from: logits, target: label, label_smoothing: 0.1}}
/// loss:
///   - {mse: {from: decoder, target: x, reduction: sum}}
///   - {kl_divergence: {from: [mu, logvar], weight: 0.5}}
/// ```
public struct LossDecl: Sendable {
  /// The loss op's name as written (`cross_entropy`, `mse`).
  public var op: String
  public var opSpan: SourceSpan
  /// The op's own attributes in source order, without the keys of the term
  /// (``ownKeys``).
  public var attributes: [YAMLEntry]
  /// The layers the loss reads, in order: the prediction (or, for
  /// `kl_divergence`, the mean and the log-variance); empty means the model's
  /// output.
  public var from: [Reference]
  /// The `from:` value, when given.
  public var fromSpan: SourceSpan?
  /// The tensor holding the targets: a data tensor (`label`) or a model input
  /// (an autoencoder's own input); nil when not given.
  public var target: Reference?
  /// The term's factor in the objective; 1 unless given.
  public var weight: Double
  /// The term's name in the metrics (`train_loss_<name>`); the op's name unless given.
  public var name: Reference?
  /// The whole term.
  public var span: SourceSpan

  /// Keys of the attribute mapping that belong to the term, not its op.
  static let ownKeys = ["from", "target", "weight", "name"]

  /// The target tensor every data source provides.
  static let defaultTarget = "label"

  /// The target, `label` at the term's span when not given.
  public var targetOrDefault: Reference { target ?? Reference(Self.defaultTarget, span: span) }

  /// `train.loss`: one term, or a non-empty list of terms.
  static func decodeList(
    _ node: YAMLNode, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> [LossDecl]? {
    guard case .sequence(let items, let span) = node else {
      return decode(node, resolver: resolver, &diagnostics).map { [$0] }
    }
    guard !items.isEmpty else {
      diagnostics.append(
        Diagnostic(.missingKey, at: span, "`loss` lists no terms")
          .help("give at least one, e.g. `loss: [{mse: {target: label}}]`"))
      return nil
    }
    let terms = items.map { decode($0, resolver: resolver, &diagnostics) }
    return terms.contains { $0 == nil } ? nil : terms.compactMap { $0 }
  }

  static func decode(
    _ node: YAMLNode, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> LossDecl? {
    guard
      let tagged = TaggedNode.read(
        node, what: "loss", example: "loss: {cross_entropy: {target: label}}", &diagnostics)
    else { return nil }
    var loss = LossDecl(
      op: tagged.name, opSpan: tagged.nameSpan, attributes: [], from: [], target: nil, weight: 1, name: nil,
      span: tagged.span)
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
        guard let value = resolver.resolve(entry.value, &diagnostics) else {
          valid = false
          continue
        }
        let key = entry.key.value
        let what = "`\(key)`"
        switch key {
        case "weight":
          if let weight = ValueCheck.number(value, .nonNegative, what: what, &diagnostics) {
            loss.weight = weight
          } else {
            valid = false
          }
        case "from":
          loss.fromSpan = value.span
          let items: [SpecValue] = if case .list(let items) = value.kind { items } else { [value] }
          if items.isEmpty {
            diagnostics.append(
              Diagnostic(.typeMismatch, at: value.span, "`from` lists no layers")
                .help("name the layer the loss reads, or leave `from` out for the model's output"))
          }
          let references = items.compactMap { ValueCheck.reference($0, what: what, &diagnostics) }
          if references.count == items.count && !items.isEmpty { loss.from = references } else { valid = false }
        default:
          guard let reference = ValueCheck.reference(value, what: what, &diagnostics) else {
            valid = false
            continue
          }
          if key == "target" { loss.target = reference } else { loss.name = reference }
        }
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
