extension SafetensorsFile {
  /// Checks that the file holds exactly the tensors a model expects (name ->
  /// shape): throws ``SafetensorsError/Problem/doesNotMatch(_:expected:)``
  /// listing every missing tensor, unexpected tensor and shape mismatch, and
  /// then every expected tensor with its shape.
  ///
  /// ```text
  /// weights do not match the model:
  ///   missing tensor "dense_2.bias" (expected shape [10])
  ///   unexpected tensor "dense2.bias" with shape [10]; did you mean "dense_2.bias"?
  ///   tensor "dense_1.weight" has shape [64, 16], expected [64, 32]
  /// the model expects 3 tensors:
  ///   dense_1.weight [64, 32]
  ///   ...
  /// ```
  public func check(expected: [String: [Int]]) throws(SafetensorsError) {
    try Self.check(tensors.map { ($0.name, $0.shape) }, expected: expected)
  }

  /// ``check(expected:)`` for the tensors' names and shapes (in name order),
  /// before their values are read.
  static func check(_ tensors: [(name: String, shape: [Int])], expected: [String: [Int]]) throws(SafetensorsError) {
    let shapes = Dictionary(tensors, uniquingKeysWith: { a, _ in a })
    var mismatches: [SafetensorsError.TensorMismatch] = []
    for name in expected.keys.sorted(by: Self.byteOrder) {
      let shape = expected[name]!
      if let found = shapes[name] {
        if found != shape { mismatches.append(.shape(name: name, expected: shape, found: found)) }
      } else {
        mismatches.append(.missing(name: name, shape: shape))
      }
    }
    for tensor in tensors where expected[tensor.name] == nil {
      mismatches.append(.unexpected(name: tensor.name, shape: tensor.shape))
    }
    guard mismatches.isEmpty else { throw SafetensorsError(.doesNotMatch(mismatches, expected: expected)) }
  }
}
