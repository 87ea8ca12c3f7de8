import NetSpecDiagnostics

extension DataFileError {
  /// The diagnostic for this error in the file `path` names.
  func diagnostic(_ path: DataPath) -> Diagnostic {
    Diagnostic(.badData, at: path.span, "`\(path.path)`: \(message)").help(help)
  }
}
