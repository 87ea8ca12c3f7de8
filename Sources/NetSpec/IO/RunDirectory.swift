import Foundation

/// The directory `netspec train` writes a run to: its default place, and
/// making it ready for a new run.
public enum RunDirectory {
  /// The files a run writes: the weights, the training checkpoint (for
  /// `--resume`), the metrics logs and the chart.
  public static let files = [
    "weights.safetensors", "checkpoint.safetensors", "metrics.jsonl", "metrics.csv", "curves.svg",
  ]

  /// `runs/<name>`, with `name` made one safe path component: ASCII letters,
  /// digits, `_`, `-` and `.` kept, anything else `_`, at most 64 characters and
  /// no leading dot, so a spec's `name:` can never point elsewhere (`../x`).
  public static func `default`(for name: String) -> String {
    "runs/" + component(name)
  }

  static func component(_ name: String) -> String {
    let kept = String(
      name.unicodeScalars.prefix(64).map { scalar -> Character in
        let safe =
          scalar.isASCII
          && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "_-.".unicodeScalars.contains(scalar))
        return safe ? Character(scalar) : "_"
      })
    let trimmed = kept.drop { $0 == "." }
    return trimmed.isEmpty ? "model" : String(trimmed)
  }

  /// Makes `path` ready for a new run and returns the names of the stale
  /// temporary files it removed. Creates the directory; refuses one that
  /// holds any of ``files`` from an earlier run unless `overwrite`; then
  /// removes the temporary files a killed run's atomic writes left behind
  /// (`.weights.safetensors.PID-N.tmp` and the like for ``files``; nothing
  /// else is touched).
  ///
  /// ```swift
  /// try RunDirectory.prepare("runs/lenet5", overwrite: false)
  /// ```
  @discardableResult
  public static func prepare(_ path: String, overwrite: Bool) throws(FileError) -> [String] {
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw FileError(path: path, action: "write", reason: error.localizedDescription)
    }
    let entries: [String]
    do { entries = try FileManager.default.contentsOfDirectory(atPath: path).sorted() } catch {
      throw FileError(path: path, action: "write", reason: error.localizedDescription)
    }
    let earlier = files.filter(entries.contains)
    if !overwrite, !earlier.isEmpty {
      throw FileError(
        path: path, action: "write",
        reason: "it holds an earlier run (\(earlier.joined(separator: ", "))); pass --overwrite to replace it, "
          + "or choose another directory with -o")
    }
    return try removeStale(in: path, entries: entries)
  }

  /// Makes the run directory `path` ready for `--resume`: it must hold the
  /// checkpoint of a run; the stale temporary files a killed run's atomic
  /// writes left are removed (their names returned), as ``prepare(_:overwrite:)``
  /// does.
  @discardableResult
  public static func prepareResume(_ path: String) throws(FileError) -> [String] {
    let entries: [String]
    do { entries = try FileManager.default.contentsOfDirectory(atPath: path).sorted() } catch {
      throw FileError(path: path, action: "read", reason: "no such run directory")
    }
    guard entries.contains("checkpoint.safetensors") else {
      throw FileError(
        path: path, action: "resume",
        reason: "it holds no checkpoint.safetensors (a run writes it after its first checkpoint epoch); "
          + "start the run again with --overwrite")
    }
    return try removeStale(in: path, entries: entries)
  }

  /// Removes the temporary files of ``files`` among `entries` of `path`.
  private static func removeStale(in path: String, entries: [String]) throws(FileError) -> [String] {
    let stale = entries.filter { entry in files.contains { AtomicFile.isTemporary(entry, of: $0) } }
    for name in stale {
      do { try FileManager.default.removeItem(atPath: path + "/" + name) } catch {
        throw FileError(path: path + "/" + name, action: "remove", reason: error.localizedDescription)
      }
    }
    return stale
  }
}
