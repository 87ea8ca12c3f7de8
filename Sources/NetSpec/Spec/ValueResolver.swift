import Foundation
import NetSpecDiagnostics
import NetSpecYAML

/// Reads YAML scalars as typed values: YAML 1.2 core-schema booleans, nulls and
/// numbers for plain scalars; quoted and block scalars are always strings.
enum ScalarReader {
  /// An integer (`42`, `-3`, `1_000`) or float (`0.5`, `1e-3`, `.5`) literal.
  static func number(_ text: String) -> SpecValue.Kind? {
    let cleaned = text.contains("_") ? text.replacingOccurrences(of: "_", with: "") : text
    guard let first = cleaned.first, first.isNumber || "+-.".contains(first) else { return nil }
    if let i = Int(cleaned) { return .int(i) }
    if cleaned.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" }) { return nil }
    if let d = Double(cleaned), d.isFinite { return .float(d) }
    return nil
  }

  /// The typed value of a scalar without variable substitution.
  static func kind(of scalar: YAMLScalar) -> SpecValue.Kind {
    guard scalar.style == .plain else { return .string(scalar.value) }
    if scalar.isNull { return .null }
    switch scalar.value {
    case "true", "True", "TRUE": return .bool(true)
    case "false", "False", "FALSE": return .bool(false)
    default: return number(scalar.value) ?? .string(scalar.value)
    }
  }
}

/// Resolves YAML nodes to ``SpecValue``s in a scope of variables: evaluates
/// expressions, substitutes `$name`, and reports what fails as diagnostics.
struct ValueResolver {
  /// Variables by name (without `$`).
  var variables: [String: SpecValue.Kind]

  init(variables: [String: SpecValue.Kind] = [:]) {
    self.variables = variables
  }

  /// The value of `node`, or nil after reporting why it has none. Mappings are
  /// not values (sections read them field by field).
  func resolve(_ node: YAMLNode, _ diagnostics: inout DiagnosticBag) -> SpecValue? {
    switch node {
    case .scalar(let scalar):
      return resolve(scalar, &diagnostics)
    case .sequence(let items, let span):
      var values: [SpecValue] = []
      var failed = false
      for item in items {
        if let v = resolve(item, &diagnostics) { values.append(v) } else { failed = true }
      }
      return failed ? nil : SpecValue(.list(values), span: span)
    case .mapping(_, let span):
      diagnostics.append(
        Diagnostic(.typeMismatch, at: span, "expected a value, found a mapping")
          .help("write a number, a word or a list here"))
      return nil
    }
  }

  /// The value of a scalar, evaluating it when it is an expression.
  func resolve(_ scalar: YAMLScalar, _ diagnostics: inout DiagnosticBag) -> SpecValue? {
    guard scalar.style == .plain, Expression.looksLikeExpression(scalar.value) else {
      return SpecValue(ScalarReader.kind(of: scalar), span: scalar.span)
    }
    let variables = self.variables
    do {
      let kind = try Expression.evaluate(
        scalar.value, lookup: { variables[$0] }, names: { Array(variables.keys) })
      return SpecValue(kind, span: scalar.span)
    } catch {
      let start = scalar.span.start.offset
      let span =
        scalar.span.start.line == scalar.span.end.line
        ? SourceSpan(
          file: scalar.span.file, from: start + error.range.lowerBound,
          to: start + error.range.upperBound)
        : scalar.span
      var diagnostic = Diagnostic(error.code, at: span, error.message)
      if let help = error.help { diagnostic = diagnostic.help(help) }
      diagnostics.append(diagnostic)
      return nil
    }
  }
}
