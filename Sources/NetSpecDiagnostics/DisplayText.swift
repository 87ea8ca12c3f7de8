// Terminal-safe text: control characters replaced, display widths of scalars.

extension Unicode.Scalar {
  /// Whether the scalar is a C0 or C1 control character or DEL, which must not
  /// reach a terminal verbatim (an escape sequence in a spec could restyle it).
  var isControl: Bool {
    value < 0x20 || (0x7F...0x9F).contains(value)
  }

  /// Terminal cells the scalar occupies: 0 for combining marks and format
  /// characters, 2 for East Asian wide and emoji-presentation characters, else 1.
  /// An approximation of `wcwidth`, good enough to put carets under the right text.
  var displayWidth: Int {
    switch properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format: return 0
    default: break
    }
    if properties.isEmojiPresentation { return 2 }
    return Self.wideRanges.contains { $0.contains(value) } ? 2 : 1
  }

  private static let wideRanges: [ClosedRange<UInt32>] = [
    0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
    0x4E00...0x9FFF, 0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF,
    0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x2FFFD,
    0x30000...0x3FFFD,
  ]
}

extension String {
  /// The text with tabs turned into spaces and other control characters
  /// (newlines too) into U+FFFD, for places that must stay on one line.
  var singleLineForTerminal: String {
    var result = String.UnicodeScalarView()
    for scalar in unicodeScalars {
      if scalar == "\t" {
        result.append(" ")
      } else {
        result.append(scalar.isControl ? "\u{FFFD}" : scalar)
      }
    }
    return String(result)
  }

  /// The text split at newlines, each line made safe with ``singleLineForTerminal``.
  var linesForTerminal: [String] {
    split(separator: "\n", omittingEmptySubsequences: false).map {
      String($0).singleLineForTerminal
    }
  }
}
