import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// A small training spec around a `data:` section.
func trainingSpec(
  inputs: String = "x: [N, 4]", layers: String = "- dense: 3", loss: String = "cross_entropy", seed: Int = 1,
  data: String
) -> String {
  """
  netspec: 1
  inputs: {\(inputs)}
  layers:
    \(layers.replacingOccurrences(of: "\n", with: "\n  "))
  train: {loss: \(loss), batch_size: 16, epochs: 1, seed: \(seed)}
  data:
    \(data.replacingOccurrences(of: "\n", with: "\n  "))
  """
}

/// The labels of a dataset as ints.
private func classes(_ dataset: Dataset?) -> [Int] { dataset?.labels.map { Int($0) } ?? [] }

/// MNIST 5k through the LeNet-5 data section, loaded once for every test.
private let mnist: (PreparedData?, [Diagnostic]) = {
  let folder = fixtureFolder()
  guard
    let spec = checkedSpec(
      trainingSpec(
        inputs: "image: [N, 1, 28, 28]",
        layers: "- conv2d: {filters: 2, kernel: 5}\n- flatten\n- dense: 10",
        seed: 42,
        data: """
          train: {csv: \(exampleData("mnist_5k.csv.gz")), label: last, scale: 1/255, reshape: [1, 28, 28]}
          split: {validation: 0.1, test: 0.1, shuffle: true}
          augment: [{random_shift: 2}]
          """), in: folder)
  else { return (nil, []) }
  return loadData(spec)
}()

@Suite("Data pipeline")
struct DataPipelineTests {
  @Test func mnistSplitsHoldEveryClass() throws {
    #expect(mnist.1.isEmpty, "\(mnist.1.map(\.message))")
    let data = try #require(mnist.0)
    #expect(data.train.count == 4000)
    #expect(data.validation?.count == 500)
    #expect(data.test?.count == 500)
    #expect(data.train.inputShape == [1, 28, 28])
    #expect(data.validation?.inputShape == [1, 28, 28])
    #expect(data.train.labelShape == [])
    for split in [data.train, data.validation, data.test] {
      #expect(Set(classes(split)) == Set(0..<10))
    }
    #expect(data.train.inputs.max() == 1 && data.train.inputs.min() == 0)
    #expect(data.scale == 1 / 255 && data.standardization == nil)
    #expect(data.bindings.isEmpty)
    #expect(data.augmentations.count == 1 && data.shuffle && data.seed == 42)
    // The training batches are augmented, shuffled, and cover the split.
    var batches = data.trainingBatches(batchSize: .size(64))
    #expect(batches.batchesPerEpoch == 63)
    var x = [Float](repeating: 0, count: 64 * 784)
    var y = [Float](repeating: 0, count: 64)
    var seen = 0
    while let n = x.withUnsafeMutableBufferPointer({ xs in
      y.withUnsafeMutableBufferPointer { ys in batches.next(inputs: xs, labels: ys) }
    }) { seen += n }
    #expect(seen == 4000)
    // Evaluation batches are the validation samples, in order and unaugmented.
    let validation = try #require(data.validation)
    var evaluation = data.evaluationBatches(validation, batchSize: .all)
    var all = [Float](repeating: 0, count: 500 * 784)
    var labels = [Float](repeating: 0, count: 500)
    let count = all.withUnsafeMutableBufferPointer { xs in
      labels.withUnsafeMutableBufferPointer { ys in evaluation.next(inputs: xs, labels: ys) }
    }
    #expect(count == 500)
    #expect(all == validation.inputs && labels == validation.labels)
  }

  @Test func splitIsDeterministicPerSeed() throws {
    let folder = fixtureFolder()
    func load(seed: Int) -> PreparedData? {
      let yaml = trainingSpec(
        inputs: "pixels: [N, 64]", layers: "- dense: 10", seed: seed,
        data: """
          train: {csv: \(exampleData("digits.csv.gz")), scale: 1/16}
          split: {validation: 0.15, test: 0.15}
          """)
      return checkedSpec(yaml, in: folder).flatMap { loadData($0).0 }
    }
    let a = try #require(load(seed: 7))
    let b = try #require(load(seed: 7))
    let c = try #require(load(seed: 8))
    #expect((a.train.count, a.validation?.count, a.test?.count) == (1257, 270, 270))
    #expect(a.train.inputs == b.train.inputs && a.train.labels == b.train.labels)
    #expect(a.validation?.labels == b.validation?.labels)
    #expect(a.train.labels != c.train.labels)
  }

  @Test func unshuffledSplitHoldsOutTheLastRows() throws {
    let folder = fixtureFolder()
    folder.write("rows.csv", (0..<10).map { "\($0),\($0 % 3)" }.joined(separator: "\n"))
    let yaml = trainingSpec(
      inputs: "x: [N, 1]",
      data: "train: {csv: rows.csv}\nsplit: {validation: 0.2, test: 0.1, shuffle: false}")
    let data = try #require(checkedSpec(yaml, in: folder).flatMap { loadData($0).0 })
    #expect(data.train.inputs == [0, 1, 2, 3, 4, 5, 6])
    #expect(data.validation?.inputs == [7, 8])
    #expect(data.test?.inputs == [9])
    #expect(data.train.labels == [0, 1, 2, 0, 1, 2, 0])
  }

  @Test func standardizationUsesTrainingStatisticsOnly() throws {
    let folder = fixtureFolder()
    // Feature values 0...9; the last three rows (held out) are far larger.
    let rows = (0..<7).map { "\($0),\($0 * 2),0" } + (0..<3).map { "\(100 + $0),5,1" }
    folder.write("rows.csv", rows.joined(separator: "\n"))
    let yaml = trainingSpec(
      inputs: "x: [N, 2]",
      data: "train: {csv: rows.csv, standardize: true}\nsplit: {test: 0.3, shuffle: false}")
    let data = try #require(checkedSpec(yaml, in: folder).flatMap { loadData($0).0 })
    let statistics = try #require(data.standardization)
    #expect(statistics.mean == [3, 6])
    #expect(abs(statistics.standardDeviation[0] - 2) < 1e-6 && abs(statistics.standardDeviation[1] - 4) < 1e-6)
    let first = stride(from: 0, to: data.train.inputs.count, by: 2).map { data.train.inputs[$0] }
    #expect(abs(first.reduce(0, +)) < 1e-5)
    #expect(data.test?.inputs[0] == 48.5)  // held-out rows use the training statistics
  }

  @Test func irisClassNamesIndicesAndOneHot() throws {
    let folder = fixtureFolder()
    let source = "train: {csv: \(exampleData("iris.csv")), standardize: true}"
    let indices = try #require(checkedSpec(trainingSpec(data: source), in: folder).flatMap { loadData($0).0 })
    #expect(indices.train.classNames == ["setosa", "versicolor", "virginica"])
    #expect(indices.train.count == 150 && indices.train.labelShape == [])
    #expect(Set(classes(indices.train)) == [0, 1, 2])
    let oneHot = try #require(
      checkedSpec(trainingSpec(loss: "mse", data: source), in: folder).flatMap { loadData($0).0 })
    #expect(oneHot.train.labelShape == [3])
    #expect(oneHot.train.labels.count == 450)
    for sample in 0..<150 {
      let row = Array(oneHot.train.labels[(sample * 3)..<(sample * 3 + 3)])
      #expect(row.sorted() == [0, 0, 1])
    }
  }

  @Test func diabetesFeaturesAndTargetFiles() throws {
    let folder = fixtureFolder()
    let yaml = trainingSpec(
      inputs: "x: [N, 10]", layers: "- dense: 1", loss: "mse",
      data: """
        train: {csv: {inputs: \(exampleData("diabetes_data_raw.csv.gz")), labels: \(exampleData("diabetes_target.csv.gz"))}, standardize: true}
        split: {validation: 0.2}
        """)
    let data = try #require(checkedSpec(yaml, in: folder).flatMap { loadData($0).0 })
    #expect(data.train.count + (data.validation?.count ?? 0) == 442)
    #expect(data.train.labelShape == [1])
    #expect(data.train.inputShape == [10])
    #expect(data.train.labels.allSatisfy { $0 >= 25 && $0 <= 346 })
  }

  @Test func breastCancerWithBinaryCrossEntropy() throws {
    let folder = fixtureFolder()
    let yaml = trainingSpec(
      inputs: "x: [N, 30]", layers: "- dense: 1", loss: "binary_cross_entropy",
      data: "train: {csv: \(exampleData("breast_cancer.csv")), standardize: true}")
    let data = try #require(checkedSpec(yaml, in: folder).flatMap { loadData($0).0 })
    #expect(data.train.count == 569)
    #expect(data.train.labelShape == [1])
    #expect(data.train.classNames == ["malignant", "benign"])
  }

  @Test func npyAndIDXSources() throws {
    let folder = fixtureFolder()
    let images = [UInt8]([0, 0, 8, 3, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 2]) + Array(0..<16)
    folder.write("images.gz", gzipStored(images))
    folder.write("labels.idx", [0, 0, 8, 1, 0, 0, 0, 4, 0, 1, 2, 1])
    let yaml = trainingSpec(
      inputs: "x: [N, 1, 2, 2]", layers: "- flatten\n- dense: 3",
      data:
        "train: {idx: {images: images.gz, labels: labels.idx}, reshape: [1, 2, 2], scale: 0.5}\nsplit: {shuffle: false}"
    )
    let data = try #require(checkedSpec(yaml, in: folder).flatMap { loadData($0).0 })
    #expect(data.train.inputShape == [1, 2, 2])
    #expect(data.train.inputs == (0..<16).map { Float($0) / 2 })
    #expect(data.train.labels == [0, 1, 2, 1])
  }

  @Test func syntheticSequencesBindTheirLength() throws {
    let folder = fixtureFolder()
    let adding = trainingSpec(
      inputs: "x: [N, T, 2]", layers: "- lstm: {hidden: 4, returns: last}\n- dense: 1", loss: "mse",
      data: "train: {synthetic: {task: adding, samples: 40, length: 25}}\nsplit: {validation: 0.25}")
    let data = try #require(checkedSpec(adding, in: folder).flatMap { loadData($0).0 })
    #expect(data.bindings == ["T": 25])
    #expect(data.train.count == 30 && data.validation?.count == 10)
    #expect(data.train.inputShape == [25, 2] && data.train.labelShape == [1])

    let copy = trainingSpec(
      inputs: "tokens: {shape: [N, T], dtype: int32}",
      layers: "- embedding: {vocab: 6, dim: 4}\n- dense: 6",
      data: """
        train: {synthetic: {task: reverse, samples: 20, length: 7, vocab: 6}}
        test: {synthetic: {task: reverse, samples: 5, length: 7, vocab: 6}}
        """)
    let tokens = try #require(checkedSpec(copy, in: folder).flatMap { loadData($0).0 })
    #expect(tokens.bindings == ["T": 7])
    #expect(tokens.train.labelShape == [7])
    #expect(tokens.test?.count == 5)
    #expect(tokens.test?.inputs != Array(tokens.train.inputs.prefix(35)))  // another stream than training
  }

  @Test func randomCropTrainsOnPaddedSamplesAndEvaluatesOnTheCenter() throws {
    let folder = fixtureFolder()
    folder.write(
      "images.csv",
      (0..<10).map { row in (0..<36).map { "\(row * 100 + $0)" }.joined(separator: ",") + ",\(row % 2)" }.joined(
        separator: "\n"))
    let yaml = trainingSpec(
      inputs: "x: [N, 1, 4, 4]", layers: "- flatten\n- dense: 2",
      data: """
        train: {csv: images.csv, reshape: [1, 6, 6]}
        split: {validation: 0.2}
        augment: [{random_crop: {size: 4}}]
        """)
    let data = try #require(checkedSpec(yaml, in: folder).flatMap { loadData($0).0 })
    #expect(data.train.inputShape == [1, 6, 6])
    let validation = try #require(data.validation)
    #expect(validation.inputShape == [1, 4, 4])
    let row = validation.inputs[0] - 7  // the first centered value is at (1, 1)
    #expect(Array(validation.inputs.prefix(4)) == [row + 7, row + 8, row + 9, row + 10])
    #expect(data.trainingBatches(batchSize: .size(4)).sampleShape == [1, 4, 4])
  }
}
