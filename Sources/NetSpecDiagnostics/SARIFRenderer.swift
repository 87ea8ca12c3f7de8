/// Renders diagnostics as a SARIF 2.1.0 log, the format code-scanning services
/// (GitHub code scanning among them) import (`netspec check --format sarif`).
///
/// The log has one run. Its `tool.driver.rules` lists every code in
/// ``DiagnosticCode/all`` (then any other code the diagnostics use), with the code as
/// `id`, its kebab-case name as `name` and its default severity as
/// `defaultConfiguration.level`, and, with a ``helpBase``, a `helpUri` to the code's
/// section of `docs/DIAGNOSTICS.md`. Each diagnostic becomes a result with:
///
/// - `ruleId` and `ruleIndex`; `level` `error`, `warning` or `note`;
/// - `message.text`: the message, then `help: ...` and `note: ...` lines;
/// - `locations`: the primary span (with the primary label as its message), or just
///   the file for a diagnostic without a span;
/// - `relatedLocations`: the secondary labels, numbered from 1;
/// - `fixes`: the diagnostic's fix-its, as replacements of regions.
///
/// Regions give `startLine`, `startColumn`, `endLine`, `endColumn` (end exclusive;
/// columns count Unicode code points, declared by `columnKind: unicodeCodePoints`)
/// and `byteOffset`/`byteLength` into the UTF-8 file. Relative paths become relative
/// URIs, absolute paths `file://` URIs; both are percent-encoded.
///
/// ```swift
/// let sarif = SARIFRenderer(toolVersion: "0.1.0").render(bag.sorted)
/// ```
public struct SARIFRenderer: DiagnosticRenderer {
  /// `tool.driver.name`.
  public var toolName: String
  /// `tool.driver.version`, omitted when nil.
  public var toolVersion: String?
  /// The URI of `docs/DIAGNOSTICS.md`, to which each rule's `helpUri` appends
  /// `#` and the code's ``DiagnosticCode/documentationAnchor``; no `helpUri`
  /// when nil.
  public var helpBase: String?

  /// Creates a renderer.
  ///
  /// - Parameters:
  ///   - toolName: The tool's name in the log; `netspec` by default.
  ///   - toolVersion: The tool's version, if known.
  ///   - helpBase: The URI of the diagnostics reference, if rules link to it.
  public init(toolName: String = "netspec", toolVersion: String? = nil, helpBase: String? = nil) {
    self.toolName = toolName
    self.toolVersion = toolVersion
    self.helpBase = helpBase
  }

  /// Renders the whole log, even for an empty list of diagnostics.
  ///
  /// - Parameter diagnostics: The diagnostics to render, usually ``DiagnosticBag/sorted``.
  public func render(_ diagnostics: [Diagnostic]) -> String {
    var rules = DiagnosticCode.all
    for code in diagnostics.map(\.code) where !rules.contains(code) {
      rules.append(code)
    }
    var driver: [(key: String, value: JSONValue)] = [("name", .string(toolName))]
    if let toolVersion { driver.append(("version", .string(toolVersion))) }
    driver.append(("rules", .array(rules.map(rule))))
    let run = JSONValue.object([
      ("tool", .object([("driver", .object(driver))])),
      ("columnKind", .string("unicodeCodePoints")),
      (
        "results",
        .array(diagnostics.map { Self.result($0, ruleIndex: rules.firstIndex(of: $0.code)!) })
      ),
    ])
    return JSONValue.object([
      ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
      ("version", .string("2.1.0")),
      ("runs", .array([run])),
    ]).serialized(.prettyOrdered)
  }

  private func rule(_ code: DiagnosticCode) -> JSONValue {
    var members: [(key: String, value: JSONValue)] = [
      ("id", .string(code.id)),
      ("name", .string(code.name)),
      ("shortDescription", Self.text(String(code.name.map { $0 == "-" ? " " : $0 }))),
      ("defaultConfiguration", .object([("level", .string(code.defaultSeverity.rawValue))])),
    ]
    if let helpBase { members.append(("helpUri", .string(helpBase + "#" + code.documentationAnchor))) }
    return .object(members)
  }

  private static func result(_ diagnostic: Diagnostic, ruleIndex: Int) -> JSONValue {
    var lines = [diagnostic.message]
    lines += diagnostic.helps.map { "help: \($0)" }
    lines += diagnostic.notes.map { "note: \($0)" }
    var members: [(key: String, value: JSONValue)] = [
      ("ruleId", .string(diagnostic.code.id)),
      ("ruleIndex", .int(ruleIndex)),
      ("level", .string(diagnostic.severity.rawValue)),  // SARIF uses the same names
      ("message", text(lines.joined(separator: "\n"))),
    ]
    if let span = diagnostic.span {
      var location = [("physicalLocation", physicalLocation(span))]
      if let label = diagnostic.primaryLabel { location.append(("message", text(label))) }
      members.append(("locations", .array([.object(location)])))
    } else if let path = diagnostic.path {
      let artifact = JSONValue.object([("uri", .string(uri(path)))])
      members.append(
        (
          "locations",
          .array([.object([("physicalLocation", .object([("artifactLocation", artifact)]))])])
        ))
    }
    if !diagnostic.labels.isEmpty {
      let related = diagnostic.labels.enumerated().map { index, label in
        JSONValue.object([
          ("id", .int(index + 1)),
          ("physicalLocation", physicalLocation(label.span)),
          ("message", text(label.message)),
        ])
      }
      members.append(("relatedLocations", .array(related)))
    }
    if !diagnostic.fixes.isEmpty {
      let fixes = diagnostic.fixes.map { fix in
        let replacement = JSONValue.object([
          ("deletedRegion", physicalLocation(fix.span)["region"]!),
          ("insertedContent", text(fix.replacement)),
        ])
        return JSONValue.object([
          ("description", text(fix.message)),
          (
            "artifactChanges",
            .array([
              .object([
                ("artifactLocation", .object([("uri", .string(uri(fix.span.file.path)))])),
                ("replacements", .array([replacement])),
              ])
            ])
          ),
        ])
      }
      members.append(("fixes", .array(fixes)))
    }
    return .object(members)
  }

  private static func physicalLocation(_ span: SourceSpan) -> JSONValue {
    .object([
      ("artifactLocation", .object([("uri", .string(uri(span.file.path)))])),
      (
        "region",
        .object([
          ("startLine", .int(span.start.line)),
          ("startColumn", .int(span.start.column)),
          ("endLine", .int(span.end.line)),
          ("endColumn", .int(span.end.column)),
          ("byteOffset", .int(span.start.offset)),
          ("byteLength", .int(span.end.offset - span.start.offset)),
        ])
      ),
    ])
  }

  private static func text(_ text: String) -> JSONValue {
    .object([("text", .string(text))])
  }

  /// A URI reference for a path: bytes other than unreserved characters and `/`
  /// percent-encoded; absolute paths get the `file://` scheme.
  private static func uri(_ path: String) -> String {
    var encoded = ""
    for byte in path.utf8 {
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
        UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
        encoded.unicodeScalars.append(Unicode.Scalar(byte))
      default:
        let hex = String(byte, radix: 16, uppercase: true)
        encoded += "%" + (hex.count == 1 ? "0" : "") + hex
      }
    }
    return path.hasPrefix("/") ? "file://" + encoded : encoded
  }
}
