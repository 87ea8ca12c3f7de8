import NetSpecDiagnostics
import NetSpecYAML

/// A choice written as a bare word or as a single-key mapping whose key is the
/// choice and whose value holds its settings (the `train:` and `data:` sections
/// use this form for losses, optimizers, schedules and augmentations):
///
/// ```yaml
/// optimizer: adam                  # all settings default
/// optimizer: {adam: 0.01}          # the choice's primary setting (here `lr`)
/// optimizer: {adam: {lr: 0.01}}    # settings by key
/// ```
struct TaggedNode {
  var name: String
  var nameSpan: SourceSpan
  /// The value after the name; nil for a bare word or a null value.
  var body: YAMLNode?
  /// The whole node.
  var span: SourceSpan

  /// Reads `node`, reporting at it when it has neither form. `what` names the
  /// key for messages (`optimizer`); `example` is a valid way to write it.
  static func read(
    _ node: YAMLNode, what: String, example: String, _ diagnostics: inout DiagnosticBag
  ) -> TaggedNode? {
    switch node {
    case .scalar(let s) where !s.isNull:
      return TaggedNode(name: s.value, nameSpan: s.span, body: nil, span: s.span)
    case .mapping(let entries, let span) where entries.count == 1:
      let entry = entries[0]
      var body: YAMLNode? = entry.value
      if case .scalar(let s) = entry.value, s.isNull { body = nil }
      return TaggedNode(name: entry.key.value, nameSpan: entry.key.span, body: body, span: span)
    case .mapping(let entries, _) where entries.count > 1:
      let names = entries.map { "`\($0.key.value)`" }.joined(separator: ", ")
      diagnostics.append(
        Diagnostic(
          .typeMismatch, at: entries[1].key.span,
          "`\(what)` names one choice, found \(entries.count): \(names)"
        )
        .label(entries[0].key.span, "the first is here")
        .help("settings go inside the choice, e.g. `\(example)`"))
      return nil
    default:
      diagnostics.append(
        Diagnostic(
          .typeMismatch, at: node.span,
          "`\(what)` must be a name or `{name: settings}`, found \(node.kindDescription)"
        ).help("for example `\(example)`"))
      return nil
    }
  }

  /// Checks the name against the allowed ones (`.valueOutOfRange` at the name,
  /// with a did-you-mean suggestion and the allowed list).
  func checkName(_ names: [String], what: String, _ diagnostics: inout DiagnosticBag) -> Bool {
    ValueCheck.choice(
      SpecValue(.string(name), span: nameSpan), names, what: "`\(what)`", &diagnostics) != nil
  }

  /// A strict reader of the settings. A scalar or list value stands for the
  /// `primary` key; with no primary key it is a `.typeMismatch` and the result
  /// is nil. A bare word reads as an empty mapping at the name.
  func settings(
    section: String, keys: [String], primary: String?, resolver: ValueResolver,
    _ diagnostics: inout DiagnosticBag
  ) -> MappingReader? {
    let node: YAMLNode
    switch body {
    case nil:
      node = .mapping([], span: nameSpan)
    case .mapping(let entries, let span)?:
      node = .mapping(entries, span: span)
    case let value?:
      guard let primary else {
        diagnostics.append(
          Diagnostic(.typeMismatch, at: value.span, "`\(name)` takes no value here")
            .help(
              keys.isEmpty
                ? "write just `\(name)`"
                : "write its settings as a mapping: `{\(name): {\(keys[0]): ...}}`"))
        return nil
      }
      let key = YAMLScalar(value: primary, style: .plain, span: value.span)
      node = .mapping([YAMLEntry(key: key, value: value)], span: value.span)
    }
    return MappingReader(node, section: section, keys: keys, resolver: resolver, &diagnostics)
  }
}

/// A range of numbers whose ends may be open or closed, for checks and their
/// help text: `> 0`, `in [0, 1)`, `in (0, 1]`.
struct Interval: CustomStringConvertible {
  var lower: Double
  var lowerIsOpen: Bool
  /// nil when unbounded above.
  var upper: Double?
  var upperIsOpen: Bool

  /// `> 0`: learning rates, epsilons, standard deviations.
  static let positive = Interval(lower: 0, lowerIsOpen: true, upper: nil, upperIsOpen: true)
  /// `>= 0`: penalties and tolerances.
  static let nonNegative = Interval(lower: 0, lowerIsOpen: false, upper: nil, upperIsOpen: true)
  /// `[0, 1)`: fractions of a dataset, momenta and moment decay rates.
  static let fraction = Interval(lower: 0, lowerIsOpen: false, upper: 1, upperIsOpen: true)
  /// `(0, 1]`: probabilities of applying something, decay factors.
  static let probability = Interval(lower: 0, lowerIsOpen: true, upper: 1, upperIsOpen: false)

  func contains(_ v: Double) -> Bool {
    guard v.isFinite, lowerIsOpen ? v > lower : v >= lower else { return false }
    guard let upper else { return true }
    return upperIsOpen ? v < upper : v <= upper
  }

  var description: String {
    guard let upper else { return "\(lowerIsOpen ? ">" : ">=") \(formatNumber(lower))" }
    return "in \(lowerIsOpen ? "(" : "[")\(formatNumber(lower)), \(formatNumber(upper))\(upperIsOpen ? ")" : "]")"
  }
}

extension ValueCheck {
  /// A number in `interval`: `.typeMismatch` when it is not a number,
  /// `.valueOutOfRange` when outside, both at the value.
  static func number(
    _ value: SpecValue, _ interval: Interval, what: String, _ diagnostics: inout DiagnosticBag
  ) -> Double? {
    guard let v = value.doubleValue else {
      diagnostics.append(
        Diagnostic(
          .typeMismatch, at: value.span,
          "\(what) must be a number, found \(value.kindDescription) `\(value)`"
        ).help("write a number \(interval)"))
      return nil
    }
    guard interval.contains(v) else {
      diagnostics.append(
        Diagnostic(.valueOutOfRange, at: value.span, "\(what) is \(formatNumber(v)), out of range")
          .help("use a number \(interval)"))
      return nil
    }
    return v
  }

  /// The name of a layer, input or tensor: a non-empty string.
  static func reference(
    _ value: SpecValue, what: String, _ diagnostics: inout DiagnosticBag
  ) -> Reference? {
    guard let name = value.stringValue, !name.isEmpty else {
      diagnostics.append(
        Diagnostic(.typeMismatch, at: value.span, "\(what) must be a name, found \(value.kindDescription) `\(value)`")
          .help("write the name of a layer, input or tensor"))
      return nil
    }
    return Reference(name, span: value.span)
  }
}

extension MappingReader {
  /// The number under `key`, checked against `interval`; nil when absent or invalid.
  func number(_ key: String, _ interval: Interval, _ diagnostics: inout DiagnosticBag) -> Double? {
    guard let value = value(key, &diagnostics) else { return nil }
    return ValueCheck.number(value, interval, what: "`\(key)`", &diagnostics)
  }

  /// The name under `key`; nil when absent or invalid.
  func reference(_ key: String, _ diagnostics: inout DiagnosticBag) -> Reference? {
    guard let value = value(key, &diagnostics) else { return nil }
    return ValueCheck.reference(value, what: "`\(key)`", &diagnostics)
  }
}

extension MappingReader {
  /// Reports a missing required key, unless an unknown key of this mapping was
  /// already reported with `key` as its did-you-mean suggestion: the typo is
  /// the one error. `allowed` are the mapping's keys.
  func requireKey(_ key: String, allowed: [String], help: String, _ diagnostics: inout DiagnosticBag) {
    guard !hasMisspelling(of: [key], allowed: allowed) else { return }
    requireKey(key, help: help, &diagnostics)
  }

  /// True when an entry's key is not allowed and looks like a typo of one of `keys`.
  func hasMisspelling(of keys: [String], allowed: [String]) -> Bool {
    entries.contains { entry in
      !allowed.contains(entry.key.value)
        && Suggestions.closest(to: entry.key.value, in: allowed).map(keys.contains) == true
    }
  }
}
