import Foundation

extension SyntheticTasks {
  /// `count` waveforms quantized to `levels` mu-law classes, for next-sample
  /// prediction (WaveNet). Draws per waveform, by `nextDouble()`: for each of
  /// two sines its period (4 ..< 32 samples), phase (0 ..< 2π) and amplitude
  /// (0.2 ..< 0.5), so the sum stays inside (-1, 1). Each of the `length + 1`
  /// values is mu-law companded with mu = `levels - 1`,
  /// `sign(x) ln(1 + mu |x|) / ln(1 + mu)`, and rounded to a class
  /// `0 ..< levels`; the inputs `[length]` are the classes 0 ..< length and
  /// the labels `[length]` those 1 ... length, each input's next sample.
  static func waveform(_ count: Int, length: Int, levels: Int, random: inout RandomGenerator) -> Dataset {
    var inputs = [Float]()
    var labels = [Float]()
    inputs.reserveCapacity(count * length)
    labels.reserveCapacity(count * length)
    let mu = Double(levels - 1)
    var classes = [Float](repeating: 0, count: length + 1)
    for _ in 0..<count {
      var sines = [(period: Double, phase: Double, amplitude: Double)]()
      for _ in 0..<2 {
        let period = 4 + 28 * random.nextDouble()
        let phase = 2 * Double.pi * random.nextDouble()
        sines.append((period, phase, 0.2 + 0.3 * random.nextDouble()))
      }
      for t in 0...length {
        let x = sines.reduce(0) { $0 + $1.amplitude * sin(2 * Double.pi * Double(t) / $1.period + $1.phase) }
        let companded = (x < 0 ? -1 : 1) * log1p(mu * abs(x)) / log1p(mu)
        classes[t] = Float(min(mu, max(0, ((companded + 1) / 2 * mu).rounded())))
      }
      inputs.append(contentsOf: classes[0..<length])
      labels.append(contentsOf: classes[1...length])
    }
    return Dataset(count: count, inputs: inputs, inputShape: [length], labels: labels, labelShape: [length])
  }
}
