/// A tensor whose value the importer knows: an initializer, a `Constant`, or
/// the folded result of a shape computation (`Shape`, `Gather`, `Concat`, ...).
/// Integer elements are ``Dim``s, so the batch size `N` that `Shape` reads off
/// an input folds through the chain torch emits before a `Reshape`.
struct ONNXConstant: Sendable {
  /// The elements, row-major.
  enum Elements: Sendable {
    case floats([Float])
    case ints([Dim])
  }

  var shape: [Int]
  var elements: Elements

  init(shape: [Int], _ elements: Elements) {
    self.shape = shape
    self.elements = elements
  }

  init(ints: [Dim], shape: [Int]? = nil) { self.init(shape: shape ?? [ints.count], .ints(ints)) }

  var count: Int { shape.reduce(1, *) }

  /// The float values (integers converted), nil when an integer is symbolic.
  var floats: [Float]? {
    switch elements {
    case .floats(let values): values
    case .ints(let values):
      values.allSatisfy(\.isStatic) ? values.map { Float($0.staticValue!) } : nil
    }
  }

  /// The integer values, symbolic ones included; nil for float elements.
  var ints: [Dim]? {
    guard case .ints(let values) = elements else { return nil }
    return values
  }

  /// The integer values when all are static.
  var staticInts: [Int]? {
    guard let ints, ints.allSatisfy(\.isStatic) else { return nil }
    return ints.map { $0.staticValue! }
  }

  /// The same elements under another shape of the same count.
  func reshaped(_ shape: [Int]) -> ONNXConstant { ONNXConstant(shape: shape, elements) }

  /// Elements at the given flat indices, in a tensor of `shape`.
  func picking(_ indices: [Int], shape: [Int]) -> ONNXConstant {
    switch elements {
    case .floats(let values): ONNXConstant(shape: shape, .floats(indices.map { values[$0] }))
    case .ints(let values): ONNXConstant(shape: shape, .ints(indices.map { values[$0] }))
    }
  }

  /// Whether every element is zero.
  var isZero: Bool {
    switch elements {
    case .floats(let values): values.allSatisfy { $0 == 0 }
    case .ints(let values): values.allSatisfy { $0 == Dim(0) }
    }
  }
}

/// Row-major index arithmetic for folding.
enum TensorIndexing {
  /// The strides of a row-major tensor of `shape`.
  static func strides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var stride = 1
    for axis in shape.indices.reversed() {
      strides[axis] = stride
      stride *= shape[axis]
    }
    return strides
  }

  /// The element count of `shape`; nil when a size is negative or the count
  /// passes ``ONNXTensorDecoding/maxElements``.
  static func count(_ shape: [Int]) -> Int? {
    var count = 1
    for size in shape {
      guard size >= 0 else { return nil }
      let (product, overflow) = count.multipliedReportingOverflow(by: size)
      guard !overflow, product <= ONNXTensorDecoding.maxElements else { return nil }
      count = product
    }
    return count
  }

  /// Every multi-index of `shape`, row-major.
  static func indices(_ shape: [Int]) -> [[Int]] {
    var result: [[Int]] = [[]]
    for size in shape { result = result.flatMap { prefix in (0..<size).map { prefix + [$0] } } }
    return result
  }

  /// `axis` in `0..<rank`, from ONNX's negative-from-the-end form; nil when out of range.
  static func axis(_ axis: Int, rank: Int) -> Int? {
    let resolved = axis < 0 ? axis + rank : axis
    return (0..<rank).contains(resolved) ? resolved : nil
  }

  /// Numpy-style broadcast of two shapes; nil when they do not broadcast.
  static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    let pa = [Int](repeating: 1, count: rank - a.count) + a
    let pb = [Int](repeating: 1, count: rank - b.count) + b
    var result: [Int] = []
    for (x, y) in zip(pa, pb) {
      guard x == y || x == 1 || y == 1 else { return nil }
      result.append(max(x, y))
    }
    return result
  }

  /// The flat index into a tensor of `shape` that a broadcast index reads.
  static func source(_ index: [Int], in shape: [Int]) -> Int {
    let offset = index.count - shape.count
    var flat = 0
    for (axis, size) in shape.enumerated() { flat = flat * size + (size == 1 ? 0 : index[axis + offset]) }
    return flat
  }
}
