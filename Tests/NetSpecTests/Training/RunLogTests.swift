import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// A run's chart and metrics are on disk after every epoch, not only at the
/// end, so a stopped or killed run keeps them.
@Suite struct RunLogTests {
  static let spec = """
    netspec: 1
    inputs: {x: [N, 2]}
    layers:
      - dense: {units: 2, name: logits}
    train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.1}}, batch_size: 4, epochs: 3}
    data:
      train: {csv: points.csv, label: last}
      split: {validation: 0.25}
    """

  @Test func chartAndMetricsExistAfterTheFirstEpoch() throws {
    let directory = try TemporaryDirectory()
    let rows = (0..<16).map { i in "\(i % 4),\(i % 3),\(i % 2)" }.joined(separator: "\n")
    try rows.write(toFile: directory.path("points.csv"), atomically: true, encoding: .utf8)
    let (spec, data) = try InlineSpec.load(Self.spec, path: directory.path("points.yaml"), seed: 0)
    let run = directory.path("run")
    try RunDirectory.prepare(run, overwrite: false)
    let log = try RunLog(directory: run, title: "points")
    var seen: [Int: (csv: [String], jsonLines: Int, svg: String)] = [:]
    let result = try Trainer(spec: spec, data: data).run(
      observe: { event in
        if case .epoch(let record) = event { try? log.record(record) }
      },
      checkpoint: { _, record, _ in
        let csv = try String(contentsOfFile: run + "/metrics.csv", encoding: .utf8)
        let jsonLines = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8)
        let svg = try String(contentsOfFile: run + "/curves.svg", encoding: .utf8)
        seen[record.epoch] = (csv.split(separator: "\n").map(String.init), jsonLines.split(separator: "\n").count, svg)
      })
    try log.finish(bestEpoch: result.bestEpoch)
    let first = try #require(seen[1], "the checkpoint callback ran after epoch 1")
    // A header row and one row for epoch 1, the same columns in both.
    #expect(first.csv.count == 2 && first.jsonLines == 1)
    #expect(first.csv[0].hasPrefix("epoch,") && first.csv[0].contains("val_loss") && first.csv[1].hasPrefix("1,"))
    #expect(
      first.csv[0].split(separator: ",").count
        == first.csv[1].split(separator: ",", omittingEmptySubsequences: false).count)
    #expect(first.svg.hasPrefix("<svg") || first.svg.contains("<svg"))
    #expect(seen[3]?.csv.count == 4 && seen[3]?.jsonLines == 3)
    // No temporary file of the atomic writes stays behind.
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: run).sorted() == [
        "curves.svg", "metrics.csv", "metrics.jsonl",
      ])
  }
}
