import Foundation
import Testing

@testable import NetSpec

/// The standardization statistics and the weights that `predict` loads: any
/// value that would turn inputs or outputs into NaN is refused with a message
/// that says which value and why.
@Suite struct StoredStatisticsTests {
  /// The message for statistics `mean` and `std` over `features` values, or nil when they are usable.
  private func problem(mean: String?, std: String?, features: Int = 3) -> String? {
    var metadata: [String: String] = [:]
    metadata[Standardization.meanKey] = mean
    metadata[Standardization.standardDeviationKey] = std
    switch Standardization.stored(in: metadata, features: features) {
    case .success: return nil
    case .failure(let error): return error.reason
    }
  }

  @Test("good statistics and none at all")
  func usable() throws {
    let stored = try Standardization.stored(
      in: [Standardization.meanKey: "1,2,-3", Standardization.standardDeviationKey: "0.5,1,2e-3"], features: 3
    ).get()
    #expect(stored == Standardization(mean: [1, 2, -3], standardDeviation: [0.5, 1, 2e-3]))
    #expect(try Standardization.stored(in: ["spec": "x"], features: 3).get() == nil)
  }

  @Test(
    "each bad standard deviation is named, with its position",
    arguments: [
      ("1,0,1", "`standardize.std` value 1 is 0.0; a standard deviation must be a positive, normal number"),
      ("1,1,-2", "`standardize.std` value 2 is -2.0; a standard deviation must be a positive, normal number"),
      ("1e-40,1,1", "`standardize.std` value 0 is 1e-40; a standard deviation must be a positive, normal number"),
      ("nan,1,1", "`standardize.std` value 0 is `nan`, not a finite number"),
      ("1,inf,1", "`standardize.std` value 1 is `inf`, not a finite number"),
      ("1,1,1e999", "`standardize.std` value 2 is `1e999`, not a finite number"),
      ("1,one,1", "`standardize.std` value 1 is `one`, not a finite number"),
      ("1,1", "`standardize.std` holds 2 values, but the samples have 3"),
      ("1,,1", "`standardize.std` value 1 is ``, not a finite number"),
    ])
  func badDeviations(_ std: String, _ message: String) {
    #expect(problem(mean: "0,0,0", std: std) == message)
  }

  @Test("bad means, the wrong count and a key without the other")
  func badMeans() {
    #expect(problem(mean: "0,nan,0", std: "1,1,1") == "`standardize.mean` value 1 is `nan`, not a finite number")
    #expect(problem(mean: "0,0,0,0", std: "1,1,1,1") == "`standardize.mean` holds 4 values, but the samples have 3")
    #expect(problem(mean: "0,0,0", std: nil) == "`standardize.mean` is stored without `standardize.std`")
    #expect(problem(mean: nil, std: "1,1,1") == "`standardize.std` is stored without `standardize.mean`")
  }

  @Test("predict refuses a weights file whose statistics hold a zero deviation, saying so")
  func predictRefusesBadStatistics() throws {
    let tests = PredictorTests()
    let spec = try tests.irisSpec()
    let directory = try TemporaryDirectory()
    let (_, weights) = try tests.trainIris(spec, directory)
    var file = try SafetensorsFile(contentsOf: weights)
    file.metadata[Standardization.standardDeviationKey] = "1,0,1,1"
    try file.write(to: weights)
    let error = #expect(throws: PredictionError.self) {
      try Predictor.predict(spec, weights: weights, input: exampleData("iris.csv"))
    }
    #expect(
      error?.message
        == "the training statistics stored in `\(weights)` are unusable: `standardize.std` value 1 is 0.0; "
        + "a standard deviation must be a positive, normal number")
  }

  @Test("NaN or infinite weights are refused at load, naming the tensor")
  func nonFiniteWeights() throws {
    let tests = PredictorTests()
    let spec = try tests.irisSpec()
    let directory = try TemporaryDirectory()
    let (_, weights) = try tests.trainIris(spec, directory)
    let file = try SafetensorsFile(contentsOf: weights)
    for bad in [Float.nan, -.infinity] {
      let tensors = file.tensors.map { tensor in
        var tensor = tensor
        if tensor.name == "logits.bias" { tensor.values[2] = bad }
        return tensor
      }
      try SafetensorsFile(tensors: tensors, metadata: file.metadata).write(to: weights)
      let error = #expect(throws: PredictionError.self) {
        try Predictor.predict(spec, weights: weights, input: exampleData("iris.csv"))
      }
      #expect(
        error?.message
          == "`\(weights)`: tensor \"logits.bias\" holds \(bad) at element 2; weights must be finite "
          + "(did the training that wrote them diverge?)")
    }
  }
}
