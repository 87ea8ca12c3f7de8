import Foundation
import Testing

@testable import NetSpec

@Suite("Metrics log")
struct MetricsLogTests {
  static let epoch3 = EpochMetrics(
    epoch: 3, step: 798, trainLoss: 0.3121, train: ["mae": 0.2, "accuracy": 0.912], validationLoss: 0.2894,
    validation: ["accuracy": 0.92], learningRate: 0.001, seconds: 4.5, samplesPerSecond: 5234.25)

  @Test("a JSON line: fixed key order, metrics accuracy first")
  func jsonLine() {
    #expect(
      MetricsLog.jsonLine(Self.epoch3)
        == #"{"epoch":3,"step":798,"train_loss":0.3121,"train_accuracy":0.912,"train_mae":0.2,"val_loss":0.2894,"#
        + #""val_accuracy":0.92,"learning_rate":0.001,"seconds":4.5,"samples_per_second":5234.25}"#)
  }

  @Test("without validation the val keys are left out; a diverged loss is null")
  func noValidation() {
    let record = EpochMetrics(
      epoch: 1, step: 10, trainLoss: .nan, learningRate: 1e-4, seconds: 0.5, samplesPerSecond: 20)
    #expect(
      MetricsLog.jsonLine(record)
        == #"{"epoch":1,"step":10,"train_loss":null,"learning_rate":0.0001,"seconds":0.5,"samples_per_second":20.0}"#)
  }

  @Test("written per epoch, flushed at once, read back the same")
  func roundTrip() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("metrics.jsonl")
    let writer = try MetricsLogWriter(path: path)
    let epoch4 = EpochMetrics(
      epoch: 4, step: 1064, trainLoss: .infinity, train: ["accuracy": 0.5], learningRate: 0.0005, seconds: 4,
      samplesPerSecond: 5000)
    try writer.append(Self.epoch3)
    // Readable before the writer is closed: nothing is buffered.
    #expect(try MetricsLog.read(contentsOf: path) == [Self.epoch3])
    try writer.append(epoch4)
    let back = try MetricsLog.read(contentsOf: path)
    #expect(back.count == 2)
    #expect(back[0] == Self.epoch3)
    // The infinite loss was written as null and reads back as NaN.
    #expect(back[1].trainLoss.isNaN)
    var (read, expected) = (back[1], epoch4)
    (read.trainLoss, expected.trainLoss) = (0, 0)
    #expect(read == expected)
  }

  @Test("a new writer starts the log afresh")
  func truncates() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("metrics.jsonl")
    try MetricsLogWriter(path: path).append(Self.epoch3)
    _ = try MetricsLogWriter(path: path)
    #expect(try MetricsLog.read(contentsOf: path).isEmpty)
  }

  @Test("reading errors name the line")
  func readErrors() {
    func message(_ text: String) -> String? {
      do {
        _ = try MetricsLog.records(jsonLines: text)
        return nil
      } catch { return error.description }
    }
    let good = MetricsLog.jsonLine(Self.epoch3)
    #expect(message(good + "\n\n" + good + "\n") == nil)
    #expect(
      message(good + "\n{\"epoch\":") == "line 2: not valid JSON: at byte 9: expected a value, found end of input")
    #expect(message("[1]") == "line 1: expected a JSON object")
    #expect(message(#"{"epoch":1.5}"#) == "line 1: `epoch` must be an integer")
    #expect(message(#"{"epoch":1,"step":2}"#) == "line 1: missing `train_loss`")
    #expect(
      message(#"{"epoch":1,"step":2,"train_loss":"x","learning_rate":1,"seconds":1,"samples_per_second":1}"#)
        == "line 1: `train_loss` must be a number or null")
    #expect(
      message(#"{"epoch":1,"step":2,"train_loss":1,"learning_rate":1,"seconds":1,"samples_per_second":1,"lr":1}"#)
        == "line 1: unknown key `lr`")
  }

  @Test("CSV: header from the first record, empty cells for absent values")
  func csv() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("metrics.csv")
    let writer = try MetricsLogWriter(path: path, format: .csv)
    try writer.append(
      EpochMetrics(
        epoch: 1, step: 10, trainLoss: 0.5, train: ["accuracy": 0.8], validationLoss: 0.6,
        validation: ["accuracy": 0.7], learningRate: 0.001, seconds: 1.5, samplesPerSecond: 1000))
    try writer.append(
      EpochMetrics(
        epoch: 2, step: 20, trainLoss: .nan, train: ["accuracy": 0.9], learningRate: 0.001, seconds: 1.25,
        samplesPerSecond: 1200))
    #expect(
      try String(contentsOfFile: path, encoding: .utf8) == """
        epoch,step,train_loss,train_accuracy,val_loss,val_accuracy,learning_rate,seconds,samples_per_second
        1,10,0.5,0.8,0.6,0.7,0.001,1.5,1000.0
        2,20,nan,0.9,,,0.001,1.25,1200.0

        """)
    #expect(throws: FileError.self) {
      try writer.append(
        EpochMetrics(
          epoch: 3, step: 30, trainLoss: 0.4, train: ["mse": 0.1], learningRate: 0.001, seconds: 1, samplesPerSecond: 1)
      )
    }
  }

  @Test("a log in a missing directory is an error naming the path")
  func missingDirectory() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("nope/metrics.jsonl")
    #expect(throws: FileError(path: path, action: "write", reason: "open: No such file or directory")) {
      try MetricsLogWriter(path: path)
    }
  }
}
