/// Converts libyaml's positions to byte offsets.
///
/// libyaml's `yaml_mark_t.index` counts characters (Unicode scalars), not bytes,
/// so for non-ASCII text it drifts from the byte offset. Its line and column are
/// no substitute: libyaml also breaks lines at a lone CR, NEL, LS and PS, where
/// ``NetSpecDiagnostics/SourceFile`` breaks only at LF. This table maps a character
/// index straight to a byte offset, in O(1) for ASCII text and O(`stride`) otherwise.
struct CharacterOffsets {
  private let bytes: [UInt8]
  /// The byte where libyaml's character 0 stands (after a byte order mark that
  /// was not passed to libyaml).
  private let origin: Int
  private let isASCII: Bool
  /// `checkpoints[k]` is the byte offset of character `k * stride`.
  private let checkpoints: [Int]
  private static let stride = 256

  /// A table for the text `bytes[origin...]`, which must be well-formed UTF-8.
  init(bytes: [UInt8], origin: Int) {
    self.bytes = bytes
    self.origin = origin
    // One pass over raw memory: this runs on every file, up to the size limit.
    var checkpoints: [Int] = []
    var characters = 0
    bytes.withUnsafeBufferPointer { buffer in
      for offset in origin..<buffer.count where buffer[offset] & 0xC0 != 0x80 {
        if characters % Self.stride == 0 { checkpoints.append(offset) }
        characters += 1
      }
    }
    isASCII = characters == bytes.count - origin
    self.checkpoints = checkpoints
  }

  /// The byte offset of libyaml's character `index`, clamped to the end of the text.
  func byteOffset(ofCharacter index: Int) -> Int {
    if isASCII { return min(origin + index, bytes.count) }
    let k = min(index / Self.stride, checkpoints.count - 1)
    var offset = checkpoints[k]
    var remaining = index - k * Self.stride
    while remaining > 0, offset < bytes.count {
      offset += 1
      while offset < bytes.count, bytes[offset] & 0xC0 == 0x80 { offset += 1 }
      remaining -= 1
    }
    return offset
  }
}
