/// A short text that changes when the data a run trains on changes: the
/// sample count of each split and a 64-bit FNV-1a hash of every input and
/// label value's bits, in order. A resumed run compares it with its
/// checkpoint's, so edited data files are refused rather than silently
/// breaking the promise that a resumed run equals an uninterrupted one.
///
/// ```swift
/// DataFingerprint.of(prepared)   // "train 48, validation 16, test 0, fnv1a64 9f0c…"
/// ```
public enum DataFingerprint {
  /// The fingerprint of the prepared splits.
  public static func of(_ data: PreparedData) -> String {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for split in [data.train, data.validation, data.test] {
      for values in [split?.inputs ?? [], split?.labels ?? []] {
        for value in values {
          var bits = value.bitPattern
          for _ in 0..<4 {
            hash = (hash ^ UInt64(bits & 0xFF)) &* 0x100_0000_01B3
            bits >>= 8
          }
        }
      }
    }
    let hex = String(hash, radix: 16)
    return "train \(data.train.count), validation \(data.validation?.count ?? 0), test \(data.test?.count ?? 0), "
      + "fnv1a64 " + String(repeating: "0", count: 16 - hex.count) + hex
  }
}
