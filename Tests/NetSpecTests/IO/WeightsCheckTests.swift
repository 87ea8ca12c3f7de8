import Testing

@testable import NetSpec

@Suite("Weights check against the model")
struct WeightsCheckTests {
  private let file = SafetensorsFile(tensors: [
    NamedTensor(name: "dense_1.weight", shape: [2, 3], values: [Float](repeating: 0, count: 6)),
    NamedTensor(name: "dense_1.bias", shape: [3], values: [0, 0, 0]),
    NamedTensor(name: "dense2.bias", shape: [1], values: [0]),
  ])

  @Test("matching names and shapes pass")
  func matches() throws {
    try file.check(expected: ["dense_1.weight": [2, 3], "dense_1.bias": [3], "dense2.bias": [1]])
  }

  @Test("missing, unexpected and mis-shaped tensors are all listed, then what the model expects")
  func mismatches() {
    do {
      try file.check(expected: ["dense_1.weight": [3, 2], "dense_1.bias": [3], "dense_2.bias": [1]])
      Issue.record("expected an error")
    } catch {
      #expect(
        error.problem
          == .doesNotMatch(
            [
              .shape(name: "dense_1.weight", expected: [3, 2], found: [2, 3]),
              .missing(name: "dense_2.bias", shape: [1]),
              .unexpected(name: "dense2.bias", shape: [1]),
            ],
            expected: ["dense_1.weight": [3, 2], "dense_1.bias": [3], "dense_2.bias": [1]]))
      #expect(
        error.description == """
          weights do not match the model:
            tensor "dense_1.weight" has shape [2, 3], expected [3, 2]
            missing tensor "dense_2.bias" (expected shape [1])
            unexpected tensor "dense2.bias" with shape [1]; did you mean "dense_2.bias"?
          the model expects 3 tensors:
            dense_1.bias [3]
            dense_1.weight [3, 2]
            dense_2.bias [1]
          """)
    }
  }

  @Test("an empty file against a model with one tensor")
  func emptyFile() {
    #expect(throws: SafetensorsError.self) { try SafetensorsFile(tensors: []).check(expected: ["w": []]) }
    #expect(
      SafetensorsError(.doesNotMatch([.missing(name: "w", shape: [])], expected: ["w": []]), path: "w.safetensors")
        .description == """
          w.safetensors: weights do not match the model:
            missing tensor "w" (expected shape [])
          the model expects 1 tensor:
            w []
          """)
  }
}
