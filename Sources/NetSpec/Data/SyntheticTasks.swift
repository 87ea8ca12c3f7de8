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
///   reversed, or sorted ascending. ``withShiftedLabels(_:random:)`` adds the
///   decoder input of a task with `inputs:`.
/// - `shapes` (``shapes(_:size:classes:random:)``): images `[1, size, size]`
///   and their per-pixel classes `[size, size]`.
/// - `waveform` (``waveform(_:length:levels:random:)``): mu-law classes of
///   `[length]` samples and `[length]` next samples.
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
    case .shapes:
      return shapes(samples, size: length, classes: spec.classes ?? 3, random: &random)
    case .waveform:
      return waveform(samples, length: length, levels: spec.vocab ?? 256, random: &random)
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

  /// A `copy`, `reverse` or `sort` task feeding two inputs (`inputs:`): its
  /// tokens `[length]`, and its labels shifted right by one step behind the
  /// start token `vocab` (`[vocab, y_0, ..., y_{length-2}]`), the input a
  /// decoder trained with teacher forcing reads. The samples are those of
  /// ``generate(_:random:)``.
  static func withShiftedLabels(_ spec: SyntheticData, random: inout RandomGenerator) -> SourceSamples {
    let data = generate(spec, random: &random)
    let (length, start) = (spec.length, Float(spec.vocab ?? 10))
    var shifted = [Float]()
    shifted.reserveCapacity(data.labels.count)
    for sample in 0..<data.count {
      shifted.append(start)
      shifted.append(contentsOf: data.labels[(sample * length)..<((sample + 1) * length - 1)])
    }
    let task = "the `\(spec.task.rawValue)` task"
    let names = spec.inputs!
    return SourceSamples(
      dataset: Dataset(count: data.count, inputs: [], inputShape: [0], labels: data.labels, labelShape: [length]),
      parts: [
        InputPart(
          name: names.sequence, values: data.inputs, count: data.count, shape: [length], span: names.sequenceSpan,
          origin: "\(task)'s tokens"),
        InputPart(
          name: names.shiftedLabels, values: shifted, count: data.count, shape: [length],
          span: names.shiftedLabelsSpan, origin: "\(task)'s shifted labels"),
      ])
  }

  /// `count` images of `size` × `size` pixels, each a rectangle and then a
  /// disc drawn over a background, with their masks. Draws per image: the
  /// background's `size²` values by `nextFloat()` (scaled to [0, 0.3)); the
  /// rectangle's height, width (each `size/4 ... size/2`), top and left; the
  /// disc's radius (`max(1, size/8) ... size/4`) and center row and column
  /// (so it fits); then one `nextFloat()` per shape pixel, scaled to
  /// [0.6, 0.9). The mask holds 0 for background, 1 for the rectangle and 2
  /// for the disc (1 for both with `classes` 2), where the disc covers the
  /// rectangle.
  static func shapes(_ count: Int, size: Int, classes: Int, random: inout RandomGenerator) -> Dataset {
    let pixels = size * size
    var inputs = [Float](repeating: 0, count: count * pixels)
    var labels = [Float](repeating: 0, count: count * pixels)
    func between(_ low: Int, _ high: Int) -> Int { low + random.nextInt(below: high - low + 1) }
    for sample in 0..<count {
      let base = sample * pixels
      for i in 0..<pixels { inputs[base + i] = 0.3 * random.nextFloat() }
      let (height, width) = (between(size / 4, size / 2), between(size / 4, size / 2))
      let (top, left) = (between(0, size - height), between(0, size - width))
      let radius = between(max(1, size / 8), size / 4)
      let (row, column) = (between(radius, size - 1 - radius), between(radius, size - 1 - radius))
      for y in top..<(top + height) {
        for x in left..<(left + width) {
          inputs[base + y * size + x] = 0.6 + 0.3 * random.nextFloat()
          labels[base + y * size + x] = 1
        }
      }
      for y in (row - radius)...(row + radius) {
        for x in (column - radius)...(column + radius)
        where (y - row) * (y - row) + (x - column) * (x - column) <= radius * radius {
          inputs[base + y * size + x] = 0.6 + 0.3 * random.nextFloat()
          labels[base + y * size + x] = classes == 2 ? 1 : 2
        }
      }
    }
    return Dataset(
      count: count, inputs: inputs, inputShape: [1, size, size], labels: labels, labelShape: [size, size])
  }
}
