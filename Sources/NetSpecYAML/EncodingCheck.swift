import NetSpecDiagnostics

/// Checks that a file is UTF-8 before libyaml sees it, so an encoding problem is
/// reported at its exact byte (libyaml would guess UTF-16 from a byte order mark,
/// or report a less precise position).
enum EncodingCheck {
  /// A diagnostic for the first ill-formed UTF-8 sequence in `file`, or nil when
  /// the whole file is well-formed UTF-8.
  static func diagnose(_ file: SourceFile) -> Diagnostic? {
    let bytes = file.bytes
    if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
      return Diagnostic(
        .invalidEncoding, at: SourceSpan(file: file, from: 0, to: 2),
        "the file is UTF-16 encoded (it starts with a UTF-16 byte order mark)"
      ).help("save the file as UTF-8; NetSpec reads UTF-8 only")
    }
    guard let bad = firstIllFormedSequence(in: bytes) else { return nil }
    let shown = bytes[bad].map { "0x" + String($0, radix: 16, uppercase: true) }
    let what = shown.count == 1 ? "byte \(shown[0])" : "bytes " + shown.joined(separator: " ")
    return Diagnostic(
      .invalidEncoding, at: SourceSpan(file: file, from: bad.lowerBound, to: bad.upperBound),
      "invalid UTF-8 \(what)"
    ).help(
      "save the file as UTF-8; NetSpec reads UTF-8 only (this may be Latin-1 or Windows-1252 text)"
    )
  }

  /// The byte range of the first ill-formed sequence: the maximal prefix of a
  /// well-formed sequence that is cut short, or a single byte that cannot start one
  /// (Unicode Standard, table 3-7).
  static func firstIllFormedSequence(in bytes: [UInt8]) -> Range<Int>? {
    // The standard library's validation is fast; only search when it fails.
    if String(validating: bytes, as: UTF8.self) != nil { return nil }
    var i = 0
    while i < bytes.count {
      let lead = bytes[i]
      if lead < 0x80 {
        i += 1
        continue
      }
      let length: Int
      let second: ClosedRange<UInt8>
      switch lead {
      case 0xC2...0xDF: (length, second) = (2, 0x80...0xBF)
      case 0xE0: (length, second) = (3, 0xA0...0xBF)
      case 0xE1...0xEC, 0xEE...0xEF: (length, second) = (3, 0x80...0xBF)
      case 0xED: (length, second) = (3, 0x80...0x9F)  // no surrogates
      case 0xF0: (length, second) = (4, 0x90...0xBF)
      case 0xF1...0xF3: (length, second) = (4, 0x80...0xBF)
      case 0xF4: (length, second) = (4, 0x80...0x8F)  // nothing above U+10FFFF
      default: return i..<(i + 1)
      }
      for j in 1..<length {
        let allowed = j == 1 ? second : 0x80...0xBF
        guard i + j < bytes.count, allowed.contains(bytes[i + j]) else { return i..<(i + j) }
      }
      i += length
    }
    return nil
  }
}
