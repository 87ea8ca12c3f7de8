import NetSpecDiagnostics
import NetSpecYAML

/// How one model input of a source feeding several is transformed:
/// `scale: {image: 1/255}` and `standardize: [meta]` name the inputs whose
/// samples are multiplied by a factor, and z-scored with the training
/// split's statistics (after the factor).
public struct InputTransform: Sendable, Hashable {
  /// The model input.
  public var name: String
  /// Where the settings name it (its first mention).
  public var span: SourceSpan
  /// The factor; nil: not scaled.
  public var scale: Double?
  /// Whether the input's features are standardized.
  public var standardize: Bool

  /// The transforms of `scale` (a mapping of input names to factors > 0) and
  /// `standardize` (a list of input names) on a source feeding `inputs`,
  /// one per input named, in `inputs`' order. Reports a plain number or
  /// boolean (they name no input), a name the source does not feed (with a
  /// did-you-mean) and a name listed twice.
  static func decode(
    scale: YAMLNode?, standardize: YAMLNode?, inputs: [(name: String, span: SourceSpan)], section: String,
    resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> [InputTransform] {
    let names = inputs.map(\.name)
    let example = names.first ?? "image"
    var transforms: [String: InputTransform] = [:]
    func fed(_ name: String, at span: SourceSpan, key: String) -> Bool {
      guard !names.contains(name) else { return true }
      var diagnostic = Diagnostic(
        .unknownReference, at: span, "`\(section).\(key)` names `\(name)`, which the source does not feed")
      if let suggestion = Suggestions.didYouMean(name, in: names) { diagnostic = diagnostic.help(suggestion) }
      diagnostics.append(diagnostic.help("the source feeds \(Suggestions.list(names))"))
      return false
    }
    if let scale {
      if case .mapping(let entries, _) = scale {
        for entry in entries where fed(entry.key.value, at: entry.key.span, key: "scale") {
          guard let value = resolver.resolve(entry.value, &diagnostics),
            let factor = ValueCheck.number(value, .positive, what: "the scale of `\(entry.key.value)`", &diagnostics)
          else { continue }
          transforms[entry.key.value] = InputTransform(
            name: entry.key.value, span: entry.key.span, scale: factor, standardize: false)
        }
      } else {
        diagnostics.append(
          Diagnostic(
            .badData, at: scale.span, "this source feeds several inputs, so `scale` must say which inputs it scales"
          )
          .help("map each input to scale to its factor, e.g. `scale: {\(example): 1/255}`"))
      }
    }
    if let standardize {
      if case .sequence(let items, _) = standardize {
        var listed: [String: SourceSpan] = [:]
        for item in items {
          guard let value = resolver.resolve(item, &diagnostics),
            let reference = ValueCheck.reference(value, what: "an input to standardize", &diagnostics),
            fed(reference.name, at: reference.span, key: "standardize")
          else { continue }
          if let earlier = listed[reference.name] {
            diagnostics.append(
              Diagnostic(.valueOutOfRange, at: reference.span, "`\(reference.name)` is listed twice")
                .label(earlier, "first listed here")
                .help("remove one of them"))
            continue
          }
          listed[reference.name] = reference.span
          transforms[
            reference.name,
            default: InputTransform(
              name: reference.name, span: reference.span, scale: nil, standardize: false)
          ].standardize = true
        }
      } else {
        diagnostics.append(
          Diagnostic(
            .badData, at: standardize.span,
            "this source feeds several inputs, so `standardize` must list the inputs it standardizes"
          )
          .help("list them, e.g. `standardize: [\(example)]`"))
      }
    }
    return names.compactMap { transforms[$0] }
  }
}
