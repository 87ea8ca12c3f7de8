/// Where `netspec train` writes a run when no `-o` is given.
public enum RunDirectory {
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
}
