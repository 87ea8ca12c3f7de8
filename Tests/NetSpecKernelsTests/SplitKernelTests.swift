import NetSpecKernels
import Testing

/// ``SplitKernels`` against plain loops over `[rows, width]` split by columns.
@Suite struct SplitKernelTests {
  static let layouts: [(rows: Int, widths: [Int])] = [(1, [2, 3]), (3, [1, 1, 1]), (4, [6, 2]), (2, [5])]

  @Test(arguments: layouts.indices)
  func forwardAndBackwardMatchPlainLoops(_ index: Int) {
    let (rows, widths) = Self.layouts[index]
    let width = widths.reduce(0, +)
    let x = randomValues(rows * width, seed: 1)
    let starts = widths.indices.map { widths[..<$0].reduce(0, +) }
    var expected: [[Float]] = []
    for (start, partWidth) in zip(starts, widths) {
      expected.append((0..<rows).flatMap { row in (0..<partWidth).map { x[row * width + start + $0] } })
    }
    let parts = widths.map { UnsafeMutablePointer<Float>.allocate(capacity: rows * $0) }
    defer { for part in parts { part.deallocate() } }
    x.withUnsafeBufferPointer { SplitKernels.forward(parts, $0.baseAddress!, rows: rows, widths: widths) }
    for (i, part) in parts.enumerated() {
      #expect(Array(UnsafeBufferPointer(start: part, count: rows * widths[i])) == expected[i])
    }
    // Backward with the parts as gradients gives x back.
    let (dx, deviation) = accumulationDeviation(count: rows * width) { dx, accumulate in
      SplitKernels.backward(dx, parts.map { UnsafePointer($0) }, rows: rows, widths: widths, accumulate: accumulate)
    }
    #expect(dx == x)
    #expect(deviation < 1e-6)
  }
}
