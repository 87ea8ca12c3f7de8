import ArgumentParser

extension CompletionKind {
  /// Shell completion for spec arguments: YAML files.
  static var specFile: CompletionKind { .file(extensions: ["yaml", "yml"]) }
}
