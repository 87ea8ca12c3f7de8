import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// `Examples/unet_shapes.yaml`: the U-Net on the synthetic `shapes`
/// segmentation task. The spec meets its pinned count (the PyTorch U-Net of
/// unet.yaml's comment with 8 base channels and 2 classes); a smaller form
/// trains on the generated images with a per-pixel cross-entropy over
/// [N, C, H, W] logits and reports pixel accuracy and mean IoU; a binary
/// cross-entropy over [N, 1, H, W] maps against 0/1 masks trains too; and
/// the mean IoU and the masks chart are checked against hand counts.
@Suite struct UNetTaskTests {
  static let path = ExampleSpec.path("unet_shapes.yaml")

  static func load(set overrides: [String]) throws -> CheckedSpec { try ExampleSpec.load(path, set: overrides) }

  /// Trains `spec` on its data with the interpreter; returns the trainer and the epochs' records.
  static func train(_ spec: CheckedSpec) throws -> (Trainer, [EpochMetrics]) {
    var diagnostics = DiagnosticBag()
    let data = try #require(
      DataPipeline.load(spec.document.data!, for: spec.graph, seed: 0, &diagnostics),
      "\(diagnostics.diagnostics.map(\.message))")
    let trainer = try Trainer(spec: spec, data: data)
    return (trainer, try trainer.run(observe: { _ in }).history)
  }

  @Test func theSpecMeetsItsExpectations() throws {
    let spec = try Self.load(set: [])
    #expect(spec.graph.parameterCount == 485_682)
    let logits = try #require(spec.graph.values.first { $0.name == "logits" })
    #expect(logits.type.shape == [Dim.symbol("N"), Dim(2), Dim(32), Dim(32)])
    #expect(Trainer.scoresIoU(spec.graph))
  }

  @Test func theReducedFormSegmentsShapes() throws {
    let spec = try Self.load(set: ["size=16", "base=4", "classes=3", "samples=80", "epochs=3"])
    let (trainer, history) = try Self.train(spec)
    let losses = history.map(\.trainLoss)
    #expect(losses.last! < losses.first!, "losses \(losses)")
    let last = try #require(history.last)
    let (accuracy, meanIoU) = (try #require(last.validation["accuracy"]), try #require(last.validation["mean_iou"]))
    // Per-pixel accuracy counts background pixels, so it is above the mean IoU.
    #expect(meanIoU > 0 && meanIoU <= accuracy && accuracy <= 1, "\(last.validation)")
    let test = try #require(trainer.data.test)
    let predicted = try #require(trainer.predictedClasses(test, count: 3))
    #expect(predicted.count == 3 * 16 * 16 && predicted.allSatisfy { (0..<3).contains($0) })
  }

  @Test func binaryCrossEntropyOverMapsTrains() throws {
    let yaml = """
      netspec: 1
      name: shape_masks
      inputs:
        image: [N, 1, 16, 16]
      layers:
        - conv2d: {filters: 8, kernel: 3, padding: 1, activation: relu}
        - conv2d: {filters: 8, kernel: 3, padding: 1, activation: relu}
        - conv2d: {filters: 1, kernel: 1, name: mask}
      train: {loss: binary_cross_entropy, optimizer: {adam: {lr: 0.01}}, epochs: 4, batch_size: 16}
      data:
        train: {synthetic: {task: shapes, samples: 96, size: 16, classes: 2}}
        split: {validation: 0.25}
      """
    var diagnostics = DiagnosticBag()
    let spec = try #require(
      Frontend.check(SourceFile(path: "masks.yaml", text: yaml), &diagnostics),
      "\(diagnostics.diagnostics.map(\.message))")
    #expect(Trainer.scoresIoU(spec.graph))
    let (trainer, history) = try Self.train(spec)
    let losses = history.map(\.trainLoss)
    #expect(losses.last! < 0.7 * losses.first!, "losses \(losses)")
    let last = try #require(history.last)
    // Bright shapes on a dark background: a few epochs of two convolutions find them.
    #expect(try #require(last.validation["accuracy"]) > 0.9, "\(last.validation)")
    #expect(try #require(last.validation["mean_iou"]) > 0.7, "\(last.validation)")
    let predicted = try #require(trainer.predictedClasses(trainer.data.validation!, count: 2))
    #expect(predicted.count == 2 * 16 * 16 && Set(predicted).isSubset(of: [0, 1]))
  }

  @Test func meanIoUAveragesTheClassesPresent() {
    // Two samples of 2x2 pixels, 3 classes on axis 1 ([N, C, H, W]); class 2
    // is neither present nor predicted, so the mean is over classes 0 and 1.
    let truth: [Float] = [0, 0, 1, 1, 0, 1, 1, 1]
    let predicted = [0, 1, 1, 1, 0, 0, 1, 1]
    var logits = [Float](repeating: 0, count: 2 * 3 * 4)
    for (position, label) in predicted.enumerated() { logits[(position / 4) * 12 + label * 4 + position % 4] = 1 }
    var metrics = MetricAccumulator(scoresIoU: true)
    metrics.add(
      loss: 0.5, batch: 2, prediction: logits, target: truth, predictionCount: logits.count,
      kind: .classIndex(classes: 3, inner: 4))
    // Class 0: 2 hits of a union of 4; class 1: 4 hits of a union of 6.
    let expected = (2.0 / 4 + 4.0 / 6) / 2
    #expect(abs(metrics.meanIoU! - expected) < 1e-12)
    #expect(metrics.named["mean_iou"] == metrics.meanIoU && metrics.named["accuracy"] == 0.75)
    #expect(metrics.summary.contains("mean IoU 58.33%"))
    // Without maps the mean IoU is not reported.
    var plain = MetricAccumulator()
    plain.add(
      loss: 0.5, batch: 2, prediction: logits, target: truth, predictionCount: logits.count,
      kind: .classIndex(classes: 3, inner: 4))
    #expect(plain.named["mean_iou"] == nil && !plain.summary.contains("IoU"))
    // Binary maps: logits above 0 predict 1.
    var binary = MetricAccumulator(scoresIoU: true)
    binary.add(
      loss: 0.1, batch: 1, prediction: [2, -1, 3, -2], target: [1, 1, 1, 0], predictionCount: 4, kind: .binary)
    #expect(abs(binary.meanIoU! - (1.0 / 2 + 2.0 / 3) / 2) < 1e-12)
  }

  @Test func theMasksChartDrawsRunsInClassColours() {
    // One 2x4 sample: the image's two gray levels, truth and prediction.
    let chart = MaskChart(
      title: "t", height: 2, width: 4, images: [0, 0, 1, 1, 0, 0, 0, 0], truth: [0, 0, 2, 2, 1, 1, 1, 1],
      predicted: [0, 2, 2, 2, 1, 1, 0, 1])
    let svg = chart.svg()
    let rects = svg.components(separatedBy: "<rect").count - 2  // less the background
    // Image: 2 runs + 1; truth: 2 + 1; prediction: 2 + 3.
    #expect(rects == 11, "\(svg)")
    #expect(svg.contains(MaskChart.colour(2)) && svg.contains(MaskChart.gray(7)) && svg.contains("predicted mask"))
    #expect(chart.svg() == svg)
  }
}
