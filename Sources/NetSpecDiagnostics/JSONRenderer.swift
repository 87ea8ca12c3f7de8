/// Renders diagnostics as one JSON document with a stable schema, for editors,
/// scripts and other tools (`netspec check --format json`).
///
/// ## Schema, version 1
///
/// The document is an object with three keys:
///
/// ```json
/// {
///   "version": 1,
///   "diagnostics": [Diagnostic, ...],
///   "summary": {"errors": 1, "warnings": 0, "notes": 0, "files": 1}
/// }
/// ```
///
/// - `version` (integer): the schema version, `1`. It changes only when a field is
///   removed or changes meaning; new fields may be added within a version, so
///   consumers must ignore keys they do not know.
/// - `diagnostics` (array): the diagnostics in the order the tool reports them
///   (sorted by file, then position).
/// - `summary` (object): `errors`, `warnings` and `notes` count the diagnostics of
///   each severity; `files` counts the distinct files they point into.
///
/// A *Diagnostic* object always has every key below (absent values are `null`,
/// absent lists `[]`):
///
/// | key             | type                | meaning                                               |
/// |-----------------|---------------------|-------------------------------------------------------|
/// | `file`          | string or null      | path of the file, as given on the command line        |
/// | `severity`      | string              | `"error"`, `"warning"` or `"note"`                    |
/// | `code`          | string              | stable code, e.g. `"NS0206"` (see docs/DIAGNOSTICS.md) |
/// | `name`          | string              | the code's kebab-case name, e.g. `"unknown-op"`       |
/// | `message`       | string              | one-sentence description of the problem               |
/// | `span`          | Span or null        | the primary location; null for whole-file problems    |
/// | `primary_label` | string or null      | text shown under the primary span                     |
/// | `labels`        | array of Label      | secondary locations that explain the problem          |
/// | `help`          | array of string     | suggested fixes, e.g. "did you mean `conv2d`?"        |
/// | `notes`         | array of string     | background information                                |
/// | `fixes`         | array of Fix        | only when there are fix-its: edits a tool may apply   |
///
/// A *Fix* is `{"message": string, "file": string, "span": Span, "replacement":
/// string}`: replace the span's text with `replacement` (empty: delete it).
///
/// A *Label* is `{"file": string, "span": Span, "message": string}`; its file may
/// differ from the diagnostic's.
///
/// A *Span* is `{"start": Position, "end": Position}`, half-open: `end` is the
/// position just after the last character (equal to `start` for a zero-width span).
///
/// A *Position* is `{"line": integer, "column": integer, "offset": integer}`: `line`
/// is 1-based; `column` is 1-based and counts Unicode scalars (code points) from the
/// start of the line; `offset` is the 0-based byte offset into the file's UTF-8 text.
///
/// Keys appear in the order shown here, indented by two spaces; the same input
/// always gives the same bytes. The document ends with a newline.
///
/// ```swift
/// let json = JSONRenderer().render(bag.sorted)
/// ```
public struct JSONRenderer: DiagnosticRenderer {
  /// The schema version written as `"version"`.
  public static let schemaVersion = 1

  /// Creates a renderer.
  public init() {}

  /// Renders the whole document, even for an empty list of diagnostics.
  ///
  /// - Parameter diagnostics: The diagnostics to render, usually ``DiagnosticBag/sorted``.
  public func render(_ diagnostics: [Diagnostic]) -> String {
    let summary = DiagnosticSummary(diagnostics)
    let document = JSONValue.object([
      ("version", .int(Self.schemaVersion)),
      ("diagnostics", .array(diagnostics.map(Self.object))),
      (
        "summary",
        .object([
          ("errors", .int(summary.errors)),
          ("warnings", .int(summary.warnings)),
          ("notes", .int(summary.notes)),
          ("files", .int(summary.files)),
        ])
      ),
    ])
    return document.serialized(.prettyOrdered)
  }

  private static func object(_ diagnostic: Diagnostic) -> JSONValue {
    let members: [(key: String, value: JSONValue)] = [
      ("file", .nullable(diagnostic.span?.file.path ?? diagnostic.path)),
      ("severity", .string(diagnostic.severity.rawValue)),
      ("code", .string(diagnostic.code.id)),
      ("name", .string(diagnostic.code.name)),
      ("message", .string(diagnostic.message)),
      ("span", diagnostic.span.map(span) ?? .null),
      ("primary_label", .nullable(diagnostic.primaryLabel)),
      (
        "labels",
        .array(
          diagnostic.labels.map {
            .object([
              ("file", .string($0.span.file.path)),
              ("span", span($0.span)),
              ("message", .string($0.message)),
            ])
          })
      ),
      ("help", .array(diagnostic.helps.map { .string($0) })),
      ("notes", .array(diagnostic.notes.map { .string($0) })),
    ]
    guard !diagnostic.fixes.isEmpty else { return .object(members) }
    let fixes = diagnostic.fixes.map {
      JSONValue.object([
        ("message", .string($0.message)), ("file", .string($0.span.file.path)), ("span", span($0.span)),
        ("replacement", .string($0.replacement)),
      ])
    }
    return .object(members + [("fixes", .array(fixes))])
  }

  private static func span(_ span: SourceSpan) -> JSONValue {
    .object([("start", position(span.start)), ("end", position(span.end))])
  }

  private static func position(_ location: SourceLocation) -> JSONValue {
    .object([
      ("line", .int(location.line)),
      ("column", .int(location.column)),
      ("offset", .int(location.offset)),
    ])
  }
}
