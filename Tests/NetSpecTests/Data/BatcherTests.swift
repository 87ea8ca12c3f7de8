import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// `count` samples of shape `shape` whose values are `sample * 1000 + position`,
/// with the sample index as label.
private func numbered(_ count: Int, shape: [Int] = [3]) -> Dataset {
  let stride = shape.reduce(1, *)
  return Dataset(
    count: count, inputs: (0..<(count * stride)).map { Float(($0 / stride) * 1000 + $0 % stride) },
    inputShape: shape, labels: (0..<count).map(Float.init), labelShape: [])
}

private func augmentation(_ kind: Augmentation.Kind) -> Augmentation {
  Augmentation(kind: kind, span: SourceSpan(file: SourceFile(path: "t.yaml", text: ""), from: 0, to: 0))
}

/// Every batch of one epoch: (inputs, labels) per batch.
private func epoch(_ batcher: inout Batcher, _ number: Int = 0) -> [([Float], [Float])] {
  batcher.start(epoch: number)
  var x = [Float](repeating: -1, count: batcher.batchSize * batcher.inputStride)
  var y = [Float](repeating: -1, count: batcher.batchSize * batcher.labelStride)
  var batches: [([Float], [Float])] = []
  while let n = x.withUnsafeMutableBufferPointer({ xs in
    y.withUnsafeMutableBufferPointer { ys in batcher.next(inputs: xs, labels: ys) }
  }) {
    batches.append((Array(x.prefix(n * batcher.inputStride)), Array(y.prefix(n * batcher.labelStride))))
  }
  return batches
}

@Suite("Batcher")
struct BatcherTests {
  @Test func everySampleOncePerEpochWithASmallerLastBatch() {
    var batcher = Batcher(numbered(10), batchSize: .size(4), shuffle: true, seed: 3)
    #expect(batcher.batchesPerEpoch == 3)
    for number in 0..<3 {
      let batches = epoch(&batcher, number)
      #expect(batches.map { $0.1.count } == [4, 4, 2])
      let labels = batches.flatMap(\.1)
      #expect(labels.sorted() == (0..<10).map(Float.init))
      // Inputs travel with their labels.
      for (inputs, labels) in batches {
        for (slot, label) in labels.enumerated() {
          #expect(Array(inputs[(slot * 3)..<(slot * 3 + 3)]) == [label * 1000, label * 1000 + 1, label * 1000 + 2])
        }
      }
    }
  }

  @Test func shuffledOrderDependsOnSeedAndEpochOnly() {
    var a = Batcher(numbered(50), batchSize: .size(8), shuffle: true, seed: 7)
    var b = Batcher(numbered(50), batchSize: .size(8), shuffle: true, seed: 7)
    var c = Batcher(numbered(50), batchSize: .size(8), shuffle: true, seed: 8)
    let first = epoch(&a, 0).flatMap(\.1)
    let second = epoch(&a, 1).flatMap(\.1)
    #expect(first != second)
    #expect(epoch(&b, 1).flatMap(\.1) == second)  // epoch 1 without running epoch 0
    #expect(epoch(&b, 0).flatMap(\.1) == first)
    #expect(epoch(&c, 0).flatMap(\.1) != first)
    #expect(first != (0..<50).map(Float.init))
  }

  @Test func unshuffledKeepsOrder() {
    var batcher = Batcher(numbered(5), batchSize: .size(2), shuffle: false, seed: 7)
    #expect(epoch(&batcher).flatMap(\.1) == [0, 1, 2, 3, 4])
  }

  @Test func fullBatchAndStochastic() {
    var all = Batcher(numbered(7), batchSize: .all, shuffle: true, seed: 1)
    #expect(all.batchSize == 7 && all.batchesPerEpoch == 1)
    #expect(epoch(&all).map { $0.1.count } == [7])
    var one = Batcher(numbered(7), batchSize: .size(1), shuffle: true, seed: 1)
    #expect(epoch(&one).map { $0.1.count } == Array(repeating: 1, count: 7))
    var large = Batcher(numbered(3), batchSize: .size(64), shuffle: false, seed: 1)
    #expect(large.batchSize == 3)
    #expect(epoch(&large).map { $0.1.count } == [3])
  }

  @Test func augmentationIsDeterministicPerSeedAndEpoch() {
    let data = numbered(20, shape: [1, 4, 4])
    let augmentations = [
      augmentation(.randomShift(pixels: 1)), augmentation(.horizontalFlip(probability: 0.5)),
      augmentation(.gaussianNoise(std: 0.1)),
    ]
    var a = Batcher(data, batchSize: .size(6), shuffle: true, augmentations: augmentations.map(\.kind), seed: 11)
    var b = Batcher(data, batchSize: .size(6), shuffle: true, augmentations: augmentations.map(\.kind), seed: 11)
    var c = Batcher(data, batchSize: .size(6), shuffle: true, augmentations: augmentations.map(\.kind), seed: 12)
    let first = epoch(&a, 0).flatMap(\.0)
    #expect(epoch(&b, 0).flatMap(\.0) == first)
    #expect(epoch(&a, 1).flatMap(\.0) != first)
    #expect(epoch(&c, 0).flatMap(\.0) != first)
    var plain = Batcher(data, batchSize: .size(6), shuffle: true, seed: 11)
    #expect(epoch(&plain, 0).flatMap(\.0) != first)
    #expect(data.inputs == numbered(20, shape: [1, 4, 4]).inputs)  // the dataset itself is untouched
  }

  @Test func shiftMovesPixelsAndFillsZeros() {
    let image = Dataset(
      count: 1, inputs: (1...9).map(Float.init), inputShape: [1, 3, 3], labels: [0], labelShape: [])
    var batcher = Batcher(
      image, batchSize: .all, shuffle: false, augmentations: [.randomShift(pixels: 1)], seed: 0)
    var seen = Set<[Float]>()
    for number in 0..<60 {
      let shifted = epoch(&batcher, number)[0].0
      seen.insert(shifted)
      // Every shift keeps a window of the original and fills the rest with zeros.
      let nonzero = shifted.filter { $0 != 0 }
      #expect(nonzero.count >= 4 && Set(nonzero).isSubset(of: Set((1...9).map(Float.init))))
    }
    #expect(seen.count == 9)  // all offsets in -1...1 x -1...1
    #expect(seen.contains([0, 0, 0, 0, 1, 2, 0, 4, 5]))  // down and right by one
    #expect(seen.contains((1...9).map(Float.init)))
  }

  @Test func flipAndCrop() {
    let image = Dataset(
      count: 1, inputs: (1...16).map(Float.init), inputShape: [1, 4, 4], labels: [0], labelShape: [])
    var flip = Batcher(
      image, batchSize: .all, shuffle: false, augmentations: [.horizontalFlip(probability: 1)], seed: 0)
    #expect(epoch(&flip)[0].0 == [4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13])

    let crop = [augmentation(.randomCrop(height: 2, width: 2, padding: 0))]
    var batcher = Batcher(image, batchSize: .all, shuffle: false, augmentations: crop.map(\.kind), seed: 0)
    #expect(batcher.sampleShape == [1, 2, 2])
    var windows = Set<[Float]>()
    for number in 0..<80 { windows.insert(epoch(&batcher, number)[0].0) }
    #expect(windows.count == 9)
    #expect(windows.contains([1, 2, 5, 6]) && windows.contains([11, 12, 15, 16]))
    #expect(DataPipeline.evaluationView(image, crop).inputs == [6, 7, 10, 11])

    let padded = [augmentation(.randomCrop(height: 4, width: 4, padding: 1))]
    #expect(DataPipeline.evaluationView(image, padded).inputs == image.inputs)
    var paddedBatcher = Batcher(image, batchSize: .all, shuffle: false, augmentations: padded.map(\.kind), seed: 0)
    var paddedWindows = Set<[Float]>()
    for number in 0..<80 { paddedWindows.insert(epoch(&paddedBatcher, number)[0].0) }
    #expect(paddedWindows.count == 9)
    #expect(paddedWindows.contains([0, 0, 0, 0, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11]))
  }
}
