import Foundation

/// The pieces of training progress output, as pure functions.
///
/// ```swift
/// ProgressFormat.duration(3723)     // "1:02:03"
/// ProgressFormat.rate(5234.4)       // "5,234"
/// ProgressFormat.percent(0.9123)    // "91.2%"
/// ProgressFormat.bar(0.45, width: 20)  // "[#########-----------]"
/// ```
public enum ProgressFormat {
  /// Whole seconds as `m:ss` under an hour, else `h:mm:ss`; `-:--` for a
  /// negative or non-finite time.
  public static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0, seconds < Double(Int.max) else { return "-:--" }
    let total = Int(seconds.rounded())
    let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
    return hours > 0
      ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
  }

  /// A rate per second: whole and grouped in thousands from 100 (`5,234`),
  /// one decimal below (`42.5`); `-` when not finite.
  public static func rate(_ perSecond: Double) -> String {
    guard perSecond.isFinite, abs(perSecond) < 1e15 else { return "-" }
    return abs(perSecond) >= 99.95 ? grouped(Int(perSecond.rounded())) : String(format: "%.1f", perSecond)
  }

  /// A fraction as a percentage with one decimal: `91.2%`; `nan%` when not finite.
  public static func percent(_ fraction: Double) -> String {
    fraction.isFinite ? String(format: "%.1f%%", fraction * 100) : "nan%"
  }

  /// A loss or error value: four decimals in 0.001..<10000 (and for 0), else
  /// scientific with three (`1.234e-05`); `nan`, `inf`, `-inf` as such.
  public static func number(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
    let magnitude = abs(value)
    return magnitude == 0 || (magnitude >= 0.001 && magnitude < 10_000)
      ? String(format: "%.4f", value) : String(format: "%.3e", value)
  }

  /// A learning rate with three significant digits: `0.001`, `0.000316`, `1e-05`.
  public static func learningRate(_ value: Double) -> String {
    String(format: "%.3g", value)
  }

  /// A progress bar `width` characters wide between brackets, `#` for the
  /// done part (rounded down) and `-` for the rest.
  public static func bar(_ fraction: Double, width: Int) -> String {
    let clamped = fraction.isFinite ? min(max(fraction, 0), 1) : 0
    let done = Int((clamped * Double(width)).rounded(.down))
    return "[" + String(repeating: "#", count: done) + String(repeating: "-", count: width - done) + "]"
  }

  /// `value/total` with `value` padded to the width of `total`, so that
  /// columns line up from one line to the next: ` 3/15`.
  public static func counter(_ value: Int, of total: Int) -> String {
    let text = String(value)
    let width = String(total).count
    return String(repeating: " ", count: max(0, width - text.count)) + text + "/" + String(total)
  }

  /// `label value` pairs for metrics in reporting order, accuracy and mean
  /// IoU as percentages (`acc 91.2%`, `miou 84.0%`), others as numbers (`mse 0.0123`); `prefix`
  /// goes before each label (`val_`).
  public static func metrics(_ values: [String: Double], prefix: String = "") -> [String] {
    EpochMetrics.ordered(values.keys).map { name in
      let value = values[name]!
      switch name {
      case "accuracy": return "\(prefix)acc \(percent(value))"
      case "mean_iou": return "\(prefix)miou \(percent(value))"
      default: return "\(prefix)\(name) \(number(value))"
      }
    }
  }

  /// `61,706`: digits in groups of three.
  public static func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (i, c) in digits.reversed().enumerated() {
      if i > 0, i % 3 == 0 { out.append(",") }
      out.append(c)
    }
    return (value < 0 ? "-" : "") + String(out.reversed())
  }

  /// The permanent line for an epoch of `epochs`.
  public static func summary(_ record: EpochMetrics, epochs: Int, note: String?) -> String {
    var fields = [
      "epoch \(counter(record.epoch, of: epochs))", "loss \(number(record.trainLoss))",
    ]
    fields += metrics(record.train)
    if let loss = record.validationLoss { fields.append("val_loss \(number(loss))") }
    fields += metrics(record.validation, prefix: "val_")
    fields.append("lr \(learningRate(record.learningRate))")
    fields.append("\(rate(record.samplesPerSecond)) samples/s")
    fields.append(duration(record.seconds))
    if let note { fields.append("(\(note))") }
    return fields.joined(separator: " ")
  }
}
