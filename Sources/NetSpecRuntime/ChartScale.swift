import Foundation

/// A linear axis over "nice" round numbers: the data range widened to
/// multiples of a tick step of 1, 2 or 5 times a power of ten (Heckbert's
/// algorithm), so ticks read 0.2, 0.4, 0.6 rather than 0.183, 0.366.
struct ChartScale: Equatable {
  /// The axis' first and last values (both ticks).
  var lower: Double
  var upper: Double
  /// The distance between ticks.
  var step: Double

  /// A scale covering `values` (non-finite ones ignored) with about
  /// `targetTicks` ticks. A single value or a constant gets a range around
  /// it (±10%, or ±1 around 0); no values at all give 0...1. Values that are
  /// not ``isPlottable(_:)`` are ignored.
  init(covering values: [Double], targetTicks: Int = 5) {
    let finite = values.filter(Self.isPlottable)
    var low = finite.min() ?? 0
    var high = finite.max() ?? 1
    if high - low <= abs(high) * 1e-12 {
      let pad = low == 0 ? 1 : abs(low) * 0.1
      low -= pad
      high += pad
    }
    let range = Self.nice(high - low, round: false)
    step = Self.nice(range / Double(max(targetTicks - 1, 1)), round: true)
    lower = (low / step).rounded(.down) * step
    upper = (high / step).rounded(.up) * step
  }

  /// True for values a scale covers and a curve draws: finite and within
  /// ±1e300 (so that a range of them cannot overflow).
  static func isPlottable(_ value: Double) -> Bool {
    value.isFinite && abs(value) < 1e300
  }

  /// The tick values from ``lower`` to ``upper``, snapped so that zero prints
  /// as `0`, not `-0` or `1e-17`.
  var ticks: [Double] {
    let count = Int(((upper - lower) / step).rounded())
    return (0...count).map { index in
      let value = lower + Double(index) * step
      return abs(value) < step * 1e-9 ? 0 : value
    }
  }

  /// A tick label with just enough decimals for the step: `0.25`, `10`.
  func label(_ value: Double) -> String {
    let decimals = max(0, Int(-log10(step).rounded(.down)))
    return String(format: "%.\(decimals)f", value)
  }

  /// Where `value` falls between `start` (at ``lower``) and `end` (at ``upper``).
  func position(_ value: Double, from start: Double, to end: Double) -> Double {
    start + (value - lower) / (upper - lower) * (end - start)
  }

  /// The nice number near `x` (> 0): rounded to the closest of 1, 2, 5, 10
  /// times a power of ten, or the smallest such number at least `x`.
  static func nice(_ x: Double, round: Bool) -> Double {
    let power = pow(10, log10(x).rounded(.down))
    let fraction = x / power
    let niceFraction: Double =
      round
      ? (fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10)
      : (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10)
    return niceFraction * power
  }
}
