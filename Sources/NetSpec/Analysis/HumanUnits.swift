import Foundation

/// Number formatting for people: binary byte units and decimal FLOP units.
///
/// ```swift
/// HumanUnits.bytes(1_572_864)     // "1.5 MiB"
/// HumanUnits.count(429_128)       // "429.1 K"
/// ```
public enum HumanUnits {
  /// Bytes in powers of 1024: `512 B`, `241.0 KiB`, `1.5 MiB`, `3.2 GiB`.
  public static func bytes(_ value: Int) -> String {
    scaled(value, base: 1024, units: ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"])
  }

  /// Counts (FLOPs) in powers of 1000: `512`, `429.1 K`, `1.8 G`.
  public static func count(_ value: Int) -> String {
    scaled(value, base: 1000, units: ["", "K", "M", "G", "T", "P", "E"])
  }

  /// The value below `base` in the largest unit that keeps it at least 1, with
  /// one decimal (none for the base unit); `units[0]` is the base unit.
  private static func scaled(_ value: Int, base: Double, units: [String]) -> String {
    guard value.magnitude >= UInt(base) else {
      return units[0].isEmpty ? String(value) : "\(value) \(units[0])"
    }
    var scaled = Double(value)
    var unit = 0
    // Move up while the value, rounded to one decimal, would print as `base` or more.
    while unit < units.count - 1, (abs(scaled) * 10).rounded() / 10 >= base {
      scaled /= base
      unit += 1
    }
    return String(format: "%.1f", scaled) + " " + units[unit]
  }
}
