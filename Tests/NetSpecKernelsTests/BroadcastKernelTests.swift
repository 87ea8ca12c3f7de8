import Foundation
import NetSpecKernels
import Testing

/// ``BroadcastKernels`` and ``ReductionKernels`` against plain loops over
/// multi-indices, on two samples.
@Suite struct BroadcastKernelTests {
  /// (space, a, b) per-sample shapes.
  static let layouts: [([Int], [Int], [Int])] = [
    ([3, 4], [3, 4], [3, 4]),
    ([3, 2, 2], [3, 2, 2], [3, 1, 1]),
    ([3, 4], [3, 1], [1, 4]),
    ([2, 3, 4], [1, 3, 1], [2, 1, 4]),
    ([1, 5], [1, 5], [1, 1]),
    ([2, 1, 3], [2, 1, 1], [1, 1, 3]),
  ]
  static let operations: [BinaryOperation] = [.add, .subtract, .multiply, .divide]
  let batch = 2
  let pool = ComputePool(threadCount: 2)

  /// For each element of the batched space, its offsets in `a` and `b`.
  func offsets(_ space: [Int], _ a: [Int], _ b: [Int]) -> [(Int, Int)] {
    let count = space.reduce(1, *)
    func offset(_ index: [Int], _ shape: [Int], sample: Int) -> Int {
      var result = 0
      for (axis, size) in shape.enumerated() { result = result * size + (size == 1 ? 0 : index[axis]) }
      return sample * shape.reduce(1, *) + result
    }
    return (0..<(batch * count)).map { flat in
      var rest = flat % count
      var index = [Int](repeating: 0, count: space.count)
      for axis in space.indices.reversed() {
        index[axis] = rest % space[axis]
        rest /= space[axis]
      }
      return (offset(index, a, sample: flat / count), offset(index, b, sample: flat / count))
    }
  }

  func apply(_ operation: BinaryOperation, _ a: Float, _ b: Float) -> Float {
    switch operation {
    case .add: a + b
    case .subtract: a - b
    case .multiply: a * b
    case .divide: a / b
    }
  }

  func partial(_ operation: BinaryOperation, _ a: Float, _ b: Float, operand: Int) -> Float {
    switch (operation, operand) {
    case (.add, _), (.subtract, 0): 1
    case (.subtract, _): -1
    case (.multiply, 0): b
    case (.multiply, _): a
    case (.divide, 0): 1 / b
    case (.divide, _): -a / (b * b)
    }
  }

  @Test(arguments: layouts.indices, operations)
  func arithmeticMatchesPlainLoops(_ index: Int, _ operation: BinaryOperation) {
    let (space, aShape, bShape) = Self.layouts[index]
    let geometry = BroadcastGeometry(space: space, a: aShape, b: bShape)
    let map = offsets(space, aShape, bShape)
    let a = randomValues(batch * aShape.reduce(1, *), seed: 1).map { $0 + ($0 < 0 ? -0.5 : 0.5) }
    let b = randomValues(batch * bShape.reduce(1, *), seed: 2).map { $0 + ($0 < 0 ? -0.5 : 0.5) }
    let dy = randomValues(map.count, seed: 3)
    var y = [Float](repeating: 0, count: map.count)
    BroadcastKernels.forward(operation, y: &y, a: a, b: b, batch: batch, geometry: geometry, pool: pool)
    #expect(relativeDifference(y, map.map { apply(operation, a[$0.0], b[$0.1]) }) < 1e-6)
    for operand in 0..<2 {
      var expected = [Float](repeating: 0, count: operand == 0 ? a.count : b.count)
      for (e, (i, j)) in map.enumerated() {
        expected[operand == 0 ? i : j] += dy[e] * partial(operation, a[i], b[j], operand: operand)
      }
      let (dx, deviation) = accumulationDeviation(count: expected.count) { dx, accumulate in
        BroadcastKernels.backward(
          operation, dx: dx, dy: dy, a: a, b: b, operand: operand, batch: batch, geometry: geometry,
          accumulate: accumulate, pool: pool)
      }
      #expect(relativeDifference(dx, expected) < 1e-5, "operand \(operand)")
      #expect(deviation < 1e-5)
    }
  }

  @Test(arguments: layouts.indices)
  func sumExpandAndMaxMatchPlainLoops(_ index: Int) {
    let (space, _, reduced) = Self.layouts[index]
    let geometry = BroadcastGeometry(space: space, a: space, b: reduced)
    let map = offsets(space, space, reduced)
    let x = randomValues(map.count, seed: 4)
    let dy = randomValues(batch * reduced.reduce(1, *), seed: 5)
    var sums = [Float](repeating: 0, count: dy.count)
    var maxima = [Float](repeating: -.infinity, count: dy.count)
    var first = [Int](repeating: -1, count: dy.count)
    for (i, j) in map {
      sums[j] += x[i]
      if first[j] < 0 || x[i] > maxima[j] { (maxima[j], first[j]) = (x[i], i) }
    }
    let (y, deviation) = accumulationDeviation(count: dy.count) { y, accumulate in
      BroadcastKernels.sum(y: y, x: x, scale: 0.5, batch: batch, geometry: geometry, accumulate: accumulate)
    }
    #expect(relativeDifference(y, sums.map { 0.5 * $0 }) < 1e-6)
    #expect(deviation < 1e-6)
    let (expanded, expandDeviation) = accumulationDeviation(count: x.count) { dx, accumulate in
      BroadcastKernels.expand(y: dx, x: dy, scale: 2, batch: batch, geometry: geometry, accumulate: accumulate)
    }
    #expect(expanded == map.map { 2 * dy[$0.1] })
    #expect(expandDeviation < 1e-6)
    var maxY = [Float](repeating: 0, count: dy.count)
    var argmax = [Float](repeating: 0, count: dy.count)
    ReductionKernels.maxForward(y: &maxY, argmax: &argmax, x: x, batch: batch, geometry: geometry)
    #expect(maxY == maxima)
    var routed = [Float](repeating: 0, count: x.count)
    for (j, i) in first.enumerated() { routed[i] += dy[j] }
    let (dx, maxDeviation) = accumulationDeviation(count: x.count) { dx, accumulate in
      ReductionKernels.maxBackward(
        dx: dx, dy: dy, argmax: argmax, count: x.count, reducedCount: dy.count, accumulate: accumulate)
    }
    #expect(dx == routed)
    #expect(maxDeviation < 1e-6)
  }

  /// Ties go to the first maximum in row-major order, as PyTorch's `max(dim=)`.
  @Test func maxRoutesTiesToTheFirstMaximum() {
    let geometry = BroadcastGeometry(space: [4], a: [4], b: [1])
    var y: [Float] = [0]
    var argmax: [Float] = [0]
    ReductionKernels.maxForward(y: &y, argmax: &argmax, x: [1, 3, 3, 2], batch: 1, geometry: geometry)
    var dx = [Float](repeating: 0, count: 4)
    ReductionKernels.maxBackward(dx: &dx, dy: [5], argmax: argmax, count: 4, reducedCount: 1, accumulate: false)
    #expect(y == [3])
    #expect(dx == [0, 5, 0, 0])
  }

  @Test(arguments: operations)
  func scalarArithmeticMatchesPlainLoops(_ operation: BinaryOperation) {
    let x = randomValues(7, seed: 6)
    let dy = randomValues(7, seed: 7)
    var y = [Float](repeating: 0, count: 7)
    BroadcastKernels.scalarForward(operation, y: &y, x: x, scalar: -2.5, count: 7, pool: pool)
    #expect(y == x.map { apply(operation, $0, -2.5) })
    let (dx, deviation) = accumulationDeviation(count: 7) { dx, accumulate in
      BroadcastKernels.scalarBackward(
        operation, dx: dx, dy: dy, scalar: -2.5, count: 7, accumulate: accumulate, pool: pool)
    }
    #expect(relativeDifference(dx, (0..<7).map { dy[$0] * partial(operation, x[$0], -2.5, operand: 0) }) < 1e-6)
    #expect(deviation < 1e-6)
  }

  /// Merged axes: a squeeze-excitation scale is one run per channel.
  @Test func geometryMergesAxesWithOnePattern() {
    let geometry = BroadcastGeometry(space: [4, 3, 3], a: [4, 3, 3], b: [4, 1, 1])
    #expect(geometry.dims == [4, 9])
    #expect(geometry.aStrides == [9, 1])
    #expect(geometry.bStrides == [1, 0])
    #expect(BroadcastGeometry(space: [2, 3], a: [2, 3], b: [2, 3]).isElementwise)
  }
}
