import Foundation
import NetSpecDiagnostics
import NetSpecYAML

/// A data file named in a spec: the path as written, relative to the spec
/// file's folder (`../Examples/data/mnist_5k.csv.gz`), and where it resolves.
/// Decoding checks that the file exists.
public struct DataPath: Sendable, Hashable {
  /// The path as written.
  public var path: String
  /// The absolute, normalized path: `path` resolved against the spec's folder
  /// (absolute paths are kept as written, normalized).
  public var resolvedPath: String
  public var span: SourceSpan

  /// Reads the path under `what`, resolves it against the folder of the file
  /// the node is in, and reports (`.badData`) an empty path, a path containing
  /// NUL, and a path that names no file. Nil only when there is no usable path.
  static func decode(
    _ node: YAMLNode, what: String, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> DataPath? {
    guard case .scalar(let scalar) = node, !scalar.isNull else {
      diagnostics.append(
        Diagnostic(.typeMismatch, at: node.span, "`\(what)` must be a file path, found \(node.kindDescription)")
          .help(
            "write a path relative to the spec's folder, e.g. `\(what): data/train.\(what == "csv" ? "csv" : "npy")`"))
      return nil
    }
    // Only `$name` is substituted: a path such as `1/2` is not arithmetic.
    var path = scalar.value
    if scalar.style == .plain, path.contains("$") {
      guard let value = resolver.resolve(scalar, &diagnostics) else { return nil }
      guard let text = value.stringValue else {
        diagnostics.append(
          Diagnostic(
            .typeMismatch, at: value.span, "`\(what)` must be a file path, found \(value.kindDescription) `\(value)`"))
        return nil
      }
      path = text
    }
    guard !path.isEmpty else {
      diagnostics.append(
        Diagnostic(.badData, at: scalar.span, "the path of `\(what)` is empty")
          .help("write the file's path relative to the spec's folder"))
      return nil
    }
    guard !path.contains("\0") else {
      diagnostics.append(
        Diagnostic(.badData, at: scalar.span, "the path of `\(what)` contains a NUL character")
          .help("remove the `\\0` from the path"))
      return nil
    }
    let folder = URL(fileURLWithPath: scalar.span.file.path).deletingLastPathComponent()
    let resolved =
      path.hasPrefix("/")
      ? URL(fileURLWithPath: path).standardizedFileURL.path
      : folder.appendingPathComponent(path).standardizedFileURL.path
    var status = stat()
    if stat(resolved, &status) != 0 {
      diagnostics.append(
        errno == ELOOP
          ? Diagnostic(.badData, at: scalar.span, "`\(path)` is a loop of symbolic links")
            .help("check where the links in `\(resolved)` point (`ls -l`)")
          : Diagnostic(.badData, at: scalar.span, "no file at `\(path)`")
            .help(
              "looked for `\(resolved)`; relative paths start at the spec's folder `\(folder.standardizedFileURL.path)`"
            ))
    } else if status.st_mode & S_IFMT == S_IFDIR {
      diagnostics.append(
        Diagnostic(.badData, at: scalar.span, "`\(path)` is a folder, not a file")
          .help("name the data file inside `\(resolved)`"))
    } else if status.st_mode & S_IFMT != S_IFREG {
      // A FIFO or a device would block the reader or never end.
      diagnostics.append(
        Diagnostic(.badData, at: scalar.span, "`\(path)` is not a regular file (a FIFO, a device or a socket)")
          .help("write the data to a file first"))
    }
    return DataPath(path: path, resolvedPath: resolved, span: scalar.span)
  }
}
