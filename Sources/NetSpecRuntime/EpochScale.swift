/// A chart's horizontal axis over epochs: exactly the range of the epochs
/// (one epoch either side of a single one, so it sits in the middle), with
/// ticks at the first epoch and at multiples of a nice whole step.
struct EpochScale: Equatable {
  var lower: Double
  var upper: Double
  var ticks: [Int]

  /// The scale for `epochs` (epoch 1 alone when empty).
  init(epochs: [Int]) {
    let first = epochs.min() ?? 1
    let last = epochs.max() ?? first
    if last > first {
      (lower, upper) = (Double(first), Double(last))
    } else {
      (lower, upper) = (Double(first - 1), Double(first + 1))
    }
    let step = last > first ? max(1, Int(ChartScale.nice(Double(last - first) / 5, round: true).rounded(.up))) : 1
    let multiples = stride(from: (first / step + 1) * step, through: last, by: step)
      .filter { Double($0 - first) >= Double(step) / 2 }
    ticks = [first] + multiples
  }

  /// Where `epoch` falls between `start` (at ``lower``) and `end` (at ``upper``).
  func position(_ epoch: Int, from start: Double, to end: Double) -> Double {
    start + (Double(epoch) - lower) / (upper - lower) * (end - start)
  }
}
