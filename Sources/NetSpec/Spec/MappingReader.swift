import NetSpecDiagnostics
import NetSpecYAML

/// Reads one mapping of a spec strictly: every key must be one the section
/// defines (unknown keys are errors with a did-you-mean suggestion), values are
/// checked for kind and range where they are read.
///
/// ```swift
/// var reader = MappingReader(node, section: "train", keys: ["epochs", "seed"], &diagnostics)
/// let epochs = reader.int("epochs", in: 1...1_000_000, &diagnostics)
/// ```
struct MappingReader {
  let entries: [YAMLEntry]
  let span: SourceSpan
  let section: String
  let resolver: ValueResolver

  /// Reads `node` as a mapping with the given allowed keys. Returns nil (after a
  /// diagnostic) when it is not a mapping. Null reads as an empty mapping.
  init?(
    _ node: YAMLNode, section: String, keys: [String], resolver: ValueResolver = ValueResolver(),
    _ diagnostics: inout DiagnosticBag
  ) {
    switch node {
    case .mapping(let entries, let span):
      self.entries = entries
      self.span = span
    case .scalar(let s) where s.isNull:
      self.entries = []
      self.span = s.span
    default:
      diagnostics.append(
        Diagnostic(.typeMismatch, at: node.span, "`\(section)` must be a mapping, found \(node.kindDescription)")
          .help("write `key: value` pairs, indented under `\(section):`"))
      return nil
    }
    self.section = section
    self.resolver = resolver
    for entry in entries where !keys.contains(entry.key.value) {
      var diagnostic = Diagnostic(
        .unknownKey, at: entry.key.span, "unknown key `\(entry.key.value)` in `\(section)`")
      if let suggestion = Suggestions.didYouMean(entry.key.value, in: keys) {
        diagnostic = diagnostic.help(suggestion)
      } else {
        diagnostic = diagnostic.help("`\(section)` takes \(Suggestions.list(keys))")
      }
      diagnostics.append(diagnostic)
    }
  }

  /// The node of `key`, if present.
  func node(_ key: String) -> YAMLNode? {
    entries.first { $0.key.value == key }?.value
  }

  /// The key's own span, if present.
  func keySpan(_ key: String) -> SourceSpan? {
    entries.first { $0.key.value == key }?.key.span
  }

  /// Reports a missing required key at the mapping.
  func requireKey(_ key: String, help: String, _ diagnostics: inout DiagnosticBag) {
    guard node(key) == nil else { return }
    diagnostics.append(
      Diagnostic(.missingKey, at: span, "`\(section)` is missing `\(key)`").help(help))
  }

  /// The resolved value of `key`.
  func value(_ key: String, _ diagnostics: inout DiagnosticBag) -> SpecValue? {
    guard let node = node(key) else { return nil }
    return resolver.resolve(node, &diagnostics)
  }

  func int(_ key: String, in range: ClosedRange<Int>, _ diagnostics: inout DiagnosticBag) -> Int? {
    guard let value = value(key, &diagnostics) else { return nil }
    return ValueCheck.int(value, in: range, what: "`\(key)`", &diagnostics)
  }

  func double(
    _ key: String, in range: ClosedRange<Double>, exclusiveUpper: Bool = false,
    _ diagnostics: inout DiagnosticBag
  ) -> Double? {
    guard let value = value(key, &diagnostics) else { return nil }
    return ValueCheck.double(value, in: range, exclusiveUpper: exclusiveUpper, what: "`\(key)`", &diagnostics)
  }

  func bool(_ key: String, _ diagnostics: inout DiagnosticBag) -> Bool? {
    guard let value = value(key, &diagnostics) else { return nil }
    return ValueCheck.bool(value, what: "`\(key)`", &diagnostics)
  }

  func string(_ key: String, _ diagnostics: inout DiagnosticBag) -> String? {
    guard let value = value(key, &diagnostics) else { return nil }
    return ValueCheck.string(value, what: "`\(key)`", &diagnostics)
  }

  func choice(_ key: String, _ choices: [String], _ diagnostics: inout DiagnosticBag) -> String? {
    guard let value = value(key, &diagnostics) else { return nil }
    return ValueCheck.choice(value, choices, what: "`\(key)`", &diagnostics)
  }
}

/// Kind and range checks of single values, each reporting at the value.
enum ValueCheck {
  static func int(
    _ value: SpecValue, in range: ClosedRange<Int>, what: String, _ diagnostics: inout DiagnosticBag
  ) -> Int? {
    guard let v = value.intValue else {
      diagnostics.append(
        Diagnostic(
          .typeMismatch, at: value.span, "\(what) must be an integer, found \(value.kindDescription) `\(value)`"
        )
        .help("write a whole number \(describe(range))"))
      return nil
    }
    guard range.contains(v) else {
      diagnostics.append(
        Diagnostic(.valueOutOfRange, at: value.span, "\(what) is \(v), out of range")
          .help("use a whole number \(describe(range))"))
      return nil
    }
    return v
  }

  static func double(
    _ value: SpecValue, in range: ClosedRange<Double>, exclusiveUpper: Bool = false, what: String,
    _ diagnostics: inout DiagnosticBag
  ) -> Double? {
    let bounds =
      "[\(formatNumber(range.lowerBound)), \(formatNumber(range.upperBound))\(exclusiveUpper ? ")" : "]")"
    guard let v = value.doubleValue else {
      diagnostics.append(
        Diagnostic(.typeMismatch, at: value.span, "\(what) must be a number, found \(value.kindDescription) `\(value)`")
          .help("write a number in \(bounds)"))
      return nil
    }
    guard range.contains(v), !(exclusiveUpper && v == range.upperBound) else {
      diagnostics.append(
        Diagnostic(.valueOutOfRange, at: value.span, "\(what) is \(formatNumber(v)), out of range")
          .help("use a number in \(bounds)"))
      return nil
    }
    return v
  }

  static func bool(_ value: SpecValue, what: String, _ diagnostics: inout DiagnosticBag) -> Bool? {
    guard let b = value.boolValue else {
      diagnostics.append(
        Diagnostic(
          .typeMismatch, at: value.span, "\(what) must be `true` or `false`, found \(value.kindDescription) `\(value)`")
      )
      return nil
    }
    return b
  }

  static func string(_ value: SpecValue, what: String, _ diagnostics: inout DiagnosticBag) -> String? {
    if let s = value.stringValue { return s }
    if case .int = value.kind { return value.description }
    if case .float = value.kind { return value.description }
    diagnostics.append(
      Diagnostic(.typeMismatch, at: value.span, "\(what) must be a string, found \(value.kindDescription)"))
    return nil
  }

  static func choice(
    _ value: SpecValue, _ choices: [String], what: String, _ diagnostics: inout DiagnosticBag
  ) -> String? {
    let word = value.stringValue ?? value.description
    guard choices.contains(word) else {
      var diagnostic = Diagnostic(.valueOutOfRange, at: value.span, "\(what) cannot be `\(word)`")
      if let suggestion = Suggestions.didYouMean(word, in: choices) {
        diagnostic = diagnostic.help(suggestion)
      }
      diagnostics.append(diagnostic.help("allowed values: \(Suggestions.list(choices))"))
      return nil
    }
    return word
  }

  /// Whether `name` can name a layer, input or block: letters, digits, `_` and
  /// `-`, starting with a letter or `_` (no spaces or control characters, which
  /// would garble messages and generated code).
  static func isName(_ name: String) -> Bool {
    guard let first = name.first, first.isLetter || first == "_" else { return false }
    return name.allSatisfy { $0.isLetter || $0.isNumber || "_-".contains($0) }
  }

  /// Checks a name with ``isName(_:)``, reporting `.typeMismatch` at `span`
  /// when it is not valid. `kind` says what it names (`layer`, `input`).
  static func name(
    _ name: String, of kind: String, at span: SourceSpan, _ diagnostics: inout DiagnosticBag
  ) -> Bool {
    guard isName(name) else {
      diagnostics.append(
        Diagnostic(.typeMismatch, at: span, "`\(name)` is not a valid \(kind) name")
          .help("names start with a letter and use letters, digits, `_` and `-`"))
      return false
    }
    return true
  }

  static func describe(_ range: ClosedRange<Int>) -> String {
    range.upperBound >= Dim.limit ? ">= \(range.lowerBound)" : "in \(range.lowerBound)...\(range.upperBound)"
  }
}
