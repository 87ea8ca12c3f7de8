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
    diagnostics.append(contentsOf: local.diagnostics)
    guard let graph, !local.hasErrors else { return nil }
    return CheckedSpec(file: file, document: document, graph: graph)
  }

  /// The file's contents, or nil after an `unreadable-file` or `file-too-large`
  /// diagnostic.
  public static func read(path: String, limits: YAMLLimits = .default, _ diagnostics: inout DiagnosticBag)
    -> SourceFile?
  {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      diagnostics.append(
        Diagnostic(.unreadableFile, at: nil, "no such file").inFile(path)
          .help("check the path; it is relative to the current directory"))
      return nil
    }
    guard !isDirectory.boolValue else {
      diagnostics.append(
        Diagnostic(.unreadableFile, at: nil, "this is a directory, not a spec file").inFile(path)
          .help("pass the spec files, e.g. `\(path)/*.yaml`"))
      return nil
    }
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    guard size <= limits.maxFileBytes else {
      diagnostics.append(
        Diagnostic(.fileTooLarge, at: nil, "the file is \(size) bytes; specs are limited to \(limits.maxFileBytes)")
          .inFile(path))
      return nil
    }
    // `read(upToCount:)` returns nil at end of file: an empty file reads as no bytes.
    guard let handle = FileHandle(forReadingAtPath: path),
      let data = try? handle.read(upToCount: limits.maxFileBytes + 1) ?? Data()
    else {
      diagnostics.append(
        Diagnostic(.unreadableFile, at: nil, "the file cannot be read").inFile(path)
          .help("check its permissions"))
      return nil
    }
    try? handle.close()
    guard data.count <= limits.maxFileBytes else {
      diagnostics.append(
        Diagnostic(.fileTooLarge, at: nil, "the file is larger than \(limits.maxFileBytes) bytes").inFile(path))
      return nil
    }
    return SourceFile(path: path, bytes: [UInt8](data))
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
