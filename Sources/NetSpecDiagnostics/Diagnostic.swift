/// How serious a diagnostic is.
public enum Severity: String, Sendable, Codable, Comparable {
  case note, warning, error

  public static func < (a: Severity, b: Severity) -> Bool {
    let order: [Severity] = [.note, .warning, .error]
    return order.firstIndex(of: a)! < order.firstIndex(of: b)!
  }
}

/// A secondary span with a label explaining how it relates to the primary span,
/// e.g. "conv2 outputs 16x5x5 = 400 features here".
public struct DiagnosticLabel: Hashable, Sendable {
  public var span: SourceSpan
  public var message: String

  public init(_ span: SourceSpan, _ message: String) {
    self.span = span
    self.message = message
  }
}

/// One message about the user's input: what is wrong, where, and how to fix it.
///
/// ```swift
/// Diagnostic(.unknownOp, at: span, "unknown op `conv2`")
///   .help("did you mean `conv2d`?")
/// ```
public struct Diagnostic: Hashable, Sendable {
  public var code: DiagnosticCode
  public var severity: Severity
  public var message: String
  /// The primary location; nil for diagnostics about a file as a whole
  /// (for example one that cannot be read).
  public var span: SourceSpan?
  /// Optional text printed under the primary caret.
  public var primaryLabel: String?
  public var labels: [DiagnosticLabel]
  public var notes: [String]
  public var helps: [String]
  /// Edits that fix the problem, for tools to apply (see ``FixIt``).
  public var fixes: [FixIt]
  /// When no span is available, the path the diagnostic is about.
  public var path: String?

  public init(
    _ code: DiagnosticCode, at span: SourceSpan?, _ message: String,
    severity: Severity? = nil
  ) {
    self.code = code
    self.severity = severity ?? code.defaultSeverity
    self.message = message
    self.span = span
    self.primaryLabel = nil
    self.labels = []
    self.notes = []
    self.helps = []
    self.fixes = []
    self.path = span?.file.path
  }

  /// Adds a `help:` line suggesting a fix.
  public func help(_ text: String) -> Diagnostic {
    var copy = self
    copy.helps.append(text)
    return copy
  }

  /// Adds a `note:` line with background information.
  public func note(_ text: String) -> Diagnostic {
    var copy = self
    copy.notes.append(text)
    return copy
  }

  /// Adds a secondary span with a label.
  public func label(_ span: SourceSpan?, _ text: String) -> Diagnostic {
    guard let span else { return self }
    var copy = self
    copy.labels.append(DiagnosticLabel(span, text))
    return copy
  }

  /// Sets the label printed under the primary span.
  public func primaryLabel(_ text: String) -> Diagnostic {
    var copy = self
    copy.primaryLabel = text
    return copy
  }

  /// Names the file for diagnostics that have no span.
  public func inFile(_ path: String) -> Diagnostic {
    var copy = self
    if copy.path == nil { copy.path = path }
    return copy
  }
}

/// Diagnostics collected while processing one or more files.
public struct DiagnosticBag: Sendable {
  public private(set) var diagnostics: [Diagnostic] = []

  public init() {}

  public mutating func append(_ diagnostic: Diagnostic) {
    diagnostics.append(diagnostic)
  }

  public mutating func append(contentsOf other: [Diagnostic]) {
    diagnostics.append(contentsOf: other)
  }

  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
  public var errorCount: Int { diagnostics.count { $0.severity == .error } }
  public var warningCount: Int { diagnostics.count { $0.severity == .warning } }

  /// Diagnostics in source order (by file, then position), stable otherwise.
  public var sorted: [Diagnostic] {
    diagnostics.enumerated().sorted { a, b in
      let pa = a.element.path ?? ""
      let pb = b.element.path ?? ""
      if pa != pb { return pa < pb }
      let oa = a.element.span?.start.offset ?? -1
      let ob = b.element.span?.start.offset ?? -1
      if oa != ob { return oa < ob }
      return a.offset < b.offset
    }.map(\.element)
  }
}

/// An error that carries diagnostics, thrown where processing cannot go on.
public struct DiagnosticError: Error, Sendable {
  public var diagnostics: [Diagnostic]

  public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
  public init(_ diagnostic: Diagnostic) { self.diagnostics = [diagnostic] }
}
