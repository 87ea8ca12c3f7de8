/// Applies `data.augment` (a list of ``AugmentationStep``) to samples: randomly for training batches, and the
/// evaluation form (the centered window of each random crop; the other
/// augmentations leave samples unchanged) to validation and test sets.
///
/// Image augmentations act on the last two axes (height, width) of a sample;
/// the leading axes are planes (channels). Random draws, per sample and per
/// augmentation in order: `random_shift` draws the row then the column offset
/// (`nextInt(below: 2·pixels + 1) − pixels`); `random_crop` the top then the
/// left corner in the padded image; `horizontal_flip` one `nextFloat()`,
/// flipping when below the probability; `gaussian_noise` one `nextGaussian()`
/// per value, in order.
public struct Augmenter: Sendable {
  public let steps: [AugmentationStep]
  /// The sample shape before each step, and after the last.
  public let shapes: [[Int]]

  /// The augmenter for samples of `inputShape`; `inputShape` must have at
  /// least two axes when an image augmentation is present, and each crop must
  /// fit its padded image.
  public init(_ steps: [AugmentationStep], inputShape: [Int]) {
    self.steps = steps
    var shapes = [inputShape]
    for step in steps {
      var shape = shapes[shapes.count - 1]
      if case .randomCrop(let height, let width, _) = step {
        shape[shape.count - 2] = height
        shape[shape.count - 1] = width
      }
      shapes.append(shape)
    }
    self.shapes = shapes
  }

  /// The shape of an augmented sample.
  public var outputShape: [Int] { shapes[shapes.count - 1] }

  /// Augments one sample from `source` into `target` (`outputShape` values).
  /// `scratch` holds at least twice the largest intermediate sample.
  public func augment(
    _ source: UnsafeBufferPointer<Float>, into target: UnsafeMutableBufferPointer<Float>,
    scratch: UnsafeMutableBufferPointer<Float>, random: inout RandomGenerator
  ) {
    run(source, into: target, scratch: scratch) { step, shape, buffer, spare in
      switch step {
      case .randomShift(let pixels):
        let dy = random.nextInt(below: 2 * pixels + 1) - pixels
        let dx = random.nextInt(below: 2 * pixels + 1) - pixels
        return Self.window(
          buffer, shape: shape, top: -dy, left: -dx, height: shape[shape.count - 2], width: shape[shape.count - 1],
          into: spare)
      case .randomCrop(let height, let width, let padding):
        let top = random.nextInt(below: shape[shape.count - 2] + 2 * padding - height + 1) - padding
        let left = random.nextInt(below: shape[shape.count - 1] + 2 * padding - width + 1) - padding
        return Self.window(buffer, shape: shape, top: top, left: left, height: height, width: width, into: spare)
      case .horizontalFlip(let probability):
        if Double(random.nextFloat()) < probability { Self.flip(buffer, width: shape[shape.count - 1]) }
        return false
      case .gaussianNoise(let std):
        let deviation = Float(std)
        for i in buffer.indices { buffer[i] += deviation * random.nextGaussian() }
        return false
      }
    }
  }

  /// The evaluation form of one sample: each crop's centered window.
  public func center(
    _ source: UnsafeBufferPointer<Float>, into target: UnsafeMutableBufferPointer<Float>,
    scratch: UnsafeMutableBufferPointer<Float>
  ) {
    run(source, into: target, scratch: scratch) { step, shape, buffer, spare in
      guard case .randomCrop(let height, let width, let padding) = step else { return false }
      let top = (shape[shape.count - 2] + 2 * padding - height) / 2 - padding
      let left = (shape[shape.count - 1] + 2 * padding - width) / 2 - padding
      return Self.window(buffer, shape: shape, top: top, left: left, height: height, width: width, into: spare)
    }
  }

  /// Runs the steps on a copy of `source` in the first half of `scratch`;
  /// `apply` transforms its buffer in place (returning false) or writes the
  /// result to the spare half (returning true), which then becomes current.
  private func run(
    _ source: UnsafeBufferPointer<Float>, into target: UnsafeMutableBufferPointer<Float>,
    scratch: UnsafeMutableBufferPointer<Float>,
    _ apply: (AugmentationStep, [Int], UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Bool
  ) {
    let half = scratch.count / 2
    var current = UnsafeMutableBufferPointer(rebasing: scratch[0..<half])
    var spare = UnsafeMutableBufferPointer(rebasing: scratch[half..<(2 * half)])
    _ = current.initialize(from: source)
    for (index, step) in steps.enumerated() {
      let count = shapes[index].reduce(1, *)
      let after = shapes[index + 1].reduce(1, *)
      let wrote = apply(
        step, shapes[index], UnsafeMutableBufferPointer(rebasing: current[0..<count]),
        UnsafeMutableBufferPointer(rebasing: spare[0..<after]))
      if wrote { swap(&current, &spare) }
    }
    _ = target.initialize(from: current[0..<target.count])
  }

  /// The scratch size ``augment(_:into:scratch:random:)`` needs.
  public var scratchCount: Int { 2 * (shapes.map { $0.reduce(1, *) }.max() ?? 0) }

  /// Copies the `height × width` window whose top-left corner is at (`top`,
  /// `left`) of each plane (possibly outside it: zeros there) into `target`.
  /// Returns true (the result is in `target`).
  private static func window(
    _ source: UnsafeMutableBufferPointer<Float>, shape: [Int], top: Int, left: Int, height: Int, width: Int,
    into target: UnsafeMutableBufferPointer<Float>
  ) -> Bool {
    let (rows, columns) = (shape[shape.count - 2], shape[shape.count - 1])
    let planes = shape.dropLast(2).reduce(1, *)
    let first = min(max(0, -left), width)
    let last = max(first, min(width, columns - left))
    for plane in 0..<planes {
      for y in 0..<height {
        let out = (plane * height + y) * width
        let row = top + y
        guard row >= 0, row < rows, first < last else {
          for x in 0..<width { target[out + x] = 0 }
          continue
        }
        let base = (plane * rows + row) * columns + left
        for x in 0..<first { target[out + x] = 0 }
        for x in first..<last { target[out + x] = source[base + x] }
        for x in last..<width { target[out + x] = 0 }
      }
    }
    return true
  }

  /// Mirrors every row of `values` (rows of `width`) in place.
  private static func flip(_ values: UnsafeMutableBufferPointer<Float>, width: Int) {
    var start = 0
    while start < values.count {
      var (i, j) = (start, start + width - 1)
      while i < j {
        values.swapAt(i, j)
        i += 1
        j -= 1
      }
      start += width
    }
  }
}

/// One entry of `data.augment`: a random transformation of each training
/// sample. Image augmentations act on the last two axes (height, width).
public enum AugmentationStep: Sendable, Hashable {
  /// Translate by whole pixels drawn uniformly from `-pixels...pixels` on each
  /// axis, filling with zeros.
  case randomShift(pixels: Int)
  /// Zero-pad by `padding` on each side, then cut a `height` x `width` window
  /// at a uniformly random position. Evaluation uses the centered window.
  case randomCrop(height: Int, width: Int, padding: Int)
  /// Mirror left-right with this probability.
  case horizontalFlip(probability: Double)
  /// Add normal noise with this standard deviation to every value.
  case gaussianNoise(std: Double)
}
