import Foundation
import NetSpecDiagnostics
import NetSpecYAML

/// A spec that passed every check: its source, decoded document and graph.
public struct CheckedSpec: Sendable {
  public var file: SourceFile
  public var document: SpecDocument
  public var graph: Graph
}

/// Options for loading a spec.
public struct FrontendOptions: Sendable {
  /// `--set name=value` overrides of `vars:`.
  public var overrides: [String: SpecValue.Kind] = [:]
  public var yamlLimits: YAMLLimits = .default
  public var loweringLimits: LoweringLimits = .default
  /// Check the spec's `expect:` section (`--no-expect` turns it off, e.g.
  /// after `--set` shrinks a model whose counts `expect` pins).
  public var checksExpectations = true
  /// Most errors reported for one spec (`--error-limit`); nil for no limit.
  /// The errors after the first `errorLimit` in source order are replaced by
  /// one ``DiagnosticCode/tooManyErrors`` note that counts them.
  public var errorLimit: Int? = 100

  public init() {}
}

/// The whole front end in one call: read, parse, decode, lower, check.
///
/// ```swift
/// var diagnostics = DiagnosticBag()
/// if let spec = Frontend.load(path: "specs/lenet5.yaml", &diagnostics) {
///   print(spec.graph.parameterCount)   // 61706
/// }
/// ```
public enum Frontend {
  /// Reads and checks the spec at `path`. Returns nil when any error was reported.
  public static func load(
    path: String, options: FrontendOptions = FrontendOptions(), _ diagnostics: inout DiagnosticBag
  ) -> CheckedSpec? {
    guard let file = read(path: path, limits: options.yamlLimits, &diagnostics) else { return nil }
    return check(file, options: options, &diagnostics)
  }

  /// Checks a spec whose text is already in memory.
  public static func check(
    _ file: SourceFile, options: FrontendOptions = FrontendOptions(), _ diagnostics: inout DiagnosticBag
  ) -> CheckedSpec? {
    let root: YAMLNode
    switch YAMLParser.parse(file, limits: options.yamlLimits) {
    case .success(let node): root = node
    case .failure(let error):
      diagnostics.append(contentsOf: error.diagnostics)
      return nil
    }
    var local = DiagnosticBag()
    guard var document = SpecDecoder.decode(root, file: file, overrides: options.overrides, &local) else {
      diagnostics.append(contentsOf: local.diagnostics)
      return nil
    }
    if !options.checksExpectations { document.expect = nil }
    let graph = Lowering.lower(document, limits: options.loweringLimits, &local)
    diagnostics.append(contentsOf: limitingErrors(local, to: options.errorLimit))
    guard let graph, !local.hasErrors else { return nil }
    return CheckedSpec(file: file, document: document, graph: graph)
  }

  /// The diagnostics of one spec with at most `limit` errors: when there are
  /// more, the first `limit` in source order, the warnings and notes, and a
  /// note at the first error left out that counts them.
  private static func limitingErrors(_ bag: DiagnosticBag, to limit: Int?) -> [Diagnostic] {
    guard let limit, bag.errorCount > limit else { return bag.diagnostics }
    var kept: [Diagnostic] = []
    var omitted: [Diagnostic] = []
    var errors = 0
    for diagnostic in bag.sorted {
      if diagnostic.severity == .error { errors += 1 }
      if diagnostic.severity == .error, errors > limit {
        omitted.append(diagnostic)
      } else {
        kept.append(diagnostic)
      }
    }
    return kept + [tooManyErrors(omitted, limit: limit)]
  }

  /// The note that replaces the `omitted` errors, at the first of them.
  private static func tooManyErrors(_ omitted: [Diagnostic], limit: Int) -> Diagnostic {
    let first = omitted[0]
    let more = omitted.count == 1 ? "1 more error" : "\(omitted.count) more errors"
    var note = Diagnostic(.tooManyErrors, at: first.span, "\(more) not shown, the first here")
      .note("at most \(limit) error\(limit == 1 ? " is" : "s are") reported for one spec")
      .help("fix the errors shown first, or pass `--error-limit 0` to see them all")
    if let path = first.path { note = note.inFile(path) }
    return note
  }

  /// The file's contents, or nil after an `unreadable-file` or `file-too-large`
  /// diagnostic. Only regular files are read (a FIFO would block), and never
  /// more than one byte past the limit.
  public static func read(path: String, limits: YAMLLimits = .default, _ diagnostics: inout DiagnosticBag)
    -> SourceFile?
  {
    switch SpecFileReading.read(path, limit: limits.maxFileBytes) {
    case .bytes(let bytes):
      return SourceFile(path: path, bytes: bytes)
    case .tooLarge(let prefix, let size):
      diagnostics.append(
        YAMLLimits.tooLarge(SourceFile(path: path, bytes: prefix), size: size, limit: limits.maxFileBytes))
      return nil
    case .unreadable(let reason, let help):
      diagnostics.append(Diagnostic(.unreadableFile, at: nil, reason).inFile(path).help(help))
      return nil
    }
  }

  /// Parses a `--set name=value` override; the value is read like a YAML scalar.
  public static func parseOverride(_ text: String) -> (String, SpecValue.Kind)? {
    guard let eq = text.firstIndex(of: "="), eq != text.startIndex else { return nil }
    let name = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
    let raw = String(text[text.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
    guard !name.isEmpty, !raw.isEmpty else { return nil }
    let file = SourceFile(path: "--set", text: raw)
    let scalar = YAMLScalar(value: raw, style: .plain, span: SourceSpan(file: file, from: 0, to: raw.utf8.count))
    return (name, ScalarReader.kind(of: scalar))
  }
}
