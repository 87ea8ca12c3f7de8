import NetSpecDiagnostics

/// A problem found while reading or preparing a data file: what went wrong
/// (naming the row, column or byte) and how to fix it. The pipeline reports
/// it as `NS0502 bad-data` at the path in the spec that named the file.
struct DataFileError: Error, Sendable {
  var message: String
  var help: String

  init(_ message: String, help: String) {
    self.message = message
    self.help = help
  }

  /// The diagnostic for this error in the file `path` names.
  func diagnostic(_ path: DataPath) -> Diagnostic {
    Diagnostic(.badData, at: path.span, "`\(path.path)`: \(message)").help(help)
  }
}
