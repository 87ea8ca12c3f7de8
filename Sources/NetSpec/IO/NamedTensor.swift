/// A float32 tensor with a name, as stored in a weights file: `values` in
/// row-major (C) order, `shape.reduce(1, *)` of them.
public struct NamedTensor: Sendable, Equatable {
  /// The tensor's name in the file, e.g. `dense_1.weight`.
  public var name: String
  /// Dimension sizes, outermost first; `[]` for a scalar.
  public var shape: [Int]
  /// The elements in row-major order.
  public var values: [Float]

  /// A tensor; ``SafetensorsFile/encoded()`` checks that `values` fits `shape`.
  public init(name: String, shape: [Int], values: [Float]) {
    self.name = name
    self.shape = shape
    self.values = values
  }

  /// The number of elements `shape` describes; nil for a negative dimension
  /// or a product that overflows `Int`.
  static func elementCount(_ shape: [Int]) -> Int? {
    var count = 1
    for dim in shape {
      guard dim >= 0 else { return nil }
      let (product, overflow) = count.multipliedReportingOverflow(by: dim)
      guard !overflow else { return nil }
      count = product
    }
    return count
  }
}
