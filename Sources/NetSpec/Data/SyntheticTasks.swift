/// Generates the sequences of a `synthetic:` source.
///
/// Draws, per sample, in this order (so the data is fixed by the generator's
/// seed and stream):
/// - `adding`: `length` values by `nextFloat()`, then the first marked
///   position in the first half (`0..<length/2`), then the second in the
///   second half (`length/2..<length`). Inputs are `[length, 2]` rows of
///   (value, marker); the label `[1]` is the sum of the two marked values.
/// - `copy`, `reverse`, `sort`: `length` tokens by `nextInt(below: vocab)`.
///   Inputs `[length]` are the tokens; labels `[length]` are the same tokens,
///   reversed, or sorted ascending.
enum SyntheticTasks {
  static func generate(_ spec: SyntheticData, random: inout RandomGenerator) -> Dataset {
    let (samples, length) = (spec.samples, spec.length)
    var inputs = [Float]()
    var labels = [Float]()
    switch spec.task {
    case .adding:
      inputs.reserveCapacity(samples * length * 2)
      labels.reserveCapacity(samples)
      var values = [Float](repeating: 0, count: length)
      for _ in 0..<samples {
        for t in 0..<length { values[t] = random.nextFloat() }
        let first = random.nextInt(below: length / 2)
        let second = length / 2 + random.nextInt(below: length - length / 2)
        for t in 0..<length {
          inputs.append(values[t])
          inputs.append(t == first || t == second ? 1 : 0)
        }
        labels.append(values[first] + values[second])
      }
      return Dataset(count: samples, inputs: inputs, inputShape: [length, 2], labels: labels, labelShape: [1])
    case .copy, .reverse, .sort:
      let vocab = spec.vocab ?? 10
      inputs.reserveCapacity(samples * length)
      labels.reserveCapacity(samples * length)
      var tokens = [Float](repeating: 0, count: length)
      for _ in 0..<samples {
        for t in 0..<length { tokens[t] = Float(random.nextInt(below: vocab)) }
        inputs.append(contentsOf: tokens)
        switch spec.task {
        case .reverse: labels.append(contentsOf: tokens.reversed())
        case .sort: labels.append(contentsOf: tokens.sorted())
        default: labels.append(contentsOf: tokens)
        }
      }
      return Dataset(count: samples, inputs: inputs, inputShape: [length], labels: labels, labelShape: [length])
    }
  }
}
