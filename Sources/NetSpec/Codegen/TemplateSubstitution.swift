/// Fills `%KEY%` placeholders of a code template in one pass: text put in for
/// one placeholder is never searched for another, so a value that happens to
/// hold `%ORDER%` (a spec file named `%ORDER%.yaml` in a comment) stays as it is.
enum TemplateSubstitution {
  /// `template` with each `%KEY%` whose key is in `values` replaced.
  ///
  /// ```swift
  /// TemplateSubstitution.fill("a %X% b", ["%X%": "%Y%", "%Y%": "no"])   // "a %Y% b"
  /// ```
  static func fill(_ template: String, _ values: [String: String]) -> String {
    var out = ""
    var rest = Substring(template)
    while let open = rest.firstIndex(of: "%") {
      out += rest[..<open]
      let afterOpen = rest.index(after: open)
      guard let close = rest[afterOpen...].firstIndex(of: "%") else { break }
      let key = String(rest[open...close])
      if let value = values[key] {
        out += value
        rest = rest[rest.index(after: close)...]
      } else {
        out += "%"
        rest = rest[afterOpen...]
      }
    }
    return out + rest
  }
}
