import NetSpecDiagnostics
import NetSpecYAML

/// `data.classes`: one distinct name per class index, in order.
///
/// ```yaml
/// data:
///   train: {csv: iris.csv, label: last}
///   classes: [setosa, versicolor, virginica]
/// ```
public struct ClassNames: Sendable, Hashable {
  public var names: [String]
  /// The `classes:` value.
  public var span: SourceSpan

  static func decode(_ node: YAMLNode, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag) -> ClassNames? {
    guard case .sequence(let items, let span) = node, !items.isEmpty else {
      diagnostics.append(
        Diagnostic(.typeMismatch, at: node.span, "`classes` must be a non-empty list of names")
          .help("write one name per class index, e.g. `classes: [cat, dog]`"))
      return nil
    }
    var names: [String] = []
    var firstSpan: [String: SourceSpan] = [:]
    var valid = true
    for item in items {
      guard let value = resolver.resolve(item, &diagnostics),
        let name = ValueCheck.string(value, what: "a class name", &diagnostics)
      else {
        valid = false
        continue
      }
      if let earlier = firstSpan[name] {
        diagnostics.append(
          Diagnostic(.duplicateName, at: value.span, "class name `\(name)` is listed twice")
            .label(earlier, "first listed here").help("give each class index its own name"))
        valid = false
      }
      firstSpan[name] = firstSpan[name] ?? value.span
      names.append(name)
    }
    return valid ? ClassNames(names: names, span: span) : nil
  }
}
