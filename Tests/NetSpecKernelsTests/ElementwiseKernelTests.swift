import NetSpecKernels
import Testing

/// ``ElementwiseKernels``, ``PermuteKernel``, ``EmbeddingKernels`` and
/// ``AveragePoolingKernels`` against plain loops, gradients written and accumulated.
@Suite struct ElementwiseKernelTests {
  let pool = ComputePool(threadCount: 2)

  @Test func addMultiplyAndDropout() {
    let (a, b) = (randomValues(9, seed: 1), randomValues(9, seed: 2))
    var y = [Float](repeating: 0, count: 9)
    ElementwiseKernels.add(y: &y, a: a, b: b, count: 9)
    let sum = zip(a, b).map(+)
    #expect(y == sum)
    let (product, deviation) = accumulationDeviation(count: 9) { y, accumulate in
      ElementwiseKernels.multiply(y: y, a: a, b: b, count: 9, accumulate: accumulate)
    }
    let expectedProduct = zip(a, b).map(*)
    #expect(product == expectedProduct)
    #expect(deviation < 1e-6)

    let count = 4000
    let x = randomValues(count, seed: 3)
    var (dropped, mask) = ([Float](repeating: 0, count: count), [Float](repeating: 0, count: count))
    ElementwiseKernels.dropout(y: &dropped, mask: &mask, x: x, count: count, rate: 0.25, seed: 7)
    #expect(Set(mask) == [0, 1 / 0.75])
    #expect(abs(Float(mask.filter { $0 == 0 }.count) / Float(count) - 0.25) < 0.03)
    let expectedDropped = zip(x, mask).map(*)
    #expect(dropped == expectedDropped)
    var again = [Float](repeating: 0, count: count)
    ElementwiseKernels.dropout(y: &again, mask: &mask, x: x, count: count, rate: 0.25, seed: 7)
    #expect(again == dropped, "the same seed draws the same mask")
  }

  @Test(arguments: [[0, 2, 1], [0, 3, 1, 2], [2, 0, 1], [1, 0]])
  func permuteMatchesPlainLoopsAndScattersBack(_ perm: [Int]) {
    let shape = Array([3, 4, 2].prefix(perm.count - 1))
    let batch = 2
    let full = [batch] + shape
    let count = full.reduce(1, *)
    let x = randomValues(count, seed: 4)
    var y = [Float](repeating: 0, count: count)
    PermuteKernel.permute(y: &y, x: x, batch: batch, shape: shape, perm: perm, scatter: false, accumulate: false)
    // Output index i has coordinates `out` over the permuted sizes; its input coordinates are `in[perm[a]] = out[a]`.
    let outSizes = perm.map { full[$0] }
    let strides = full.indices.map { full[($0 + 1)...].reduce(1, *) }
    var expected = [Float](repeating: 0, count: count)
    for i in 0..<count {
      var rest = i
      var input = 0
      for axis in (0..<perm.count).reversed() {
        input += rest % outSizes[axis] * strides[perm[axis]]
        rest /= outSizes[axis]
      }
      expected[i] = x[input]
    }
    #expect(y == expected)
    let (back, deviation) = accumulationDeviation(count: count) { dx, accumulate in
      PermuteKernel.permute(y: dx, x: y, batch: batch, shape: shape, perm: perm, scatter: true, accumulate: accumulate)
    }
    #expect(back == x)
    #expect(deviation < 1e-6)
  }

  @Test func embeddingLookupAndScatter() {
    let (vocab, dim) = (4, 3)
    let weight = randomValues(vocab * dim, seed: 5)
    let ids: [Float] = [2, 0, 2, 3]
    var y = [Float](repeating: 0, count: ids.count * dim)
    EmbeddingKernels.lookup(y: &y, ids: ids, weight: weight, count: ids.count, vocab: vocab, dim: dim, multiplier: 2)
    let rows = ids.flatMap { id in (0..<dim).map { 2 * weight[Int(id) * dim + $0] } }
    #expect(y == rows)
    let dy = randomValues(ids.count * dim, seed: 6)
    let (dWeight, deviation) = accumulationDeviation(count: vocab * dim) { dWeight, accumulate in
      EmbeddingKernels.lookupBackward(
        dWeight: dWeight, ids: ids, dy: dy, count: ids.count, vocab: vocab, dim: dim, multiplier: 2,
        accumulate: accumulate)
    }
    var expected = [Float](repeating: 0, count: vocab * dim)
    for (r, id) in ids.enumerated() {
      for j in 0..<dim { expected[Int(id) * dim + j] += 2 * dy[r * dim + j] }
    }
    #expect(relativeDifference(dWeight, expected) < 1e-6)
    #expect(deviation < 1e-6)
  }

  @Test func positionsAddTheTableOrTheSinusoid() {
    let (batch, steps, width, rows) = (2, 3, 4, 5)
    let x = randomValues(batch * steps * width, seed: 7)
    let table = randomValues(rows * width, seed: 8)
    var y = [Float](repeating: 0, count: x.count)
    EmbeddingKernels.addPositions(y: &y, x: x, table: table, workspace: nil, batch: batch, steps: steps, width: width)
    let expectedY = x.indices.map { x[$0] + table[$0 % (steps * width)] }
    #expect(y == expectedY)
    var workspace = [Float](repeating: 0, count: width)
    EmbeddingKernels.addPositions(
      y: &y, x: x, table: nil, workspace: &workspace, batch: batch, steps: steps, width: width)
    // Step 1, i = 0: sin(1), cos(1); i = 1: sin(1 / 100), cos(1 / 100).
    let step1: [Float] = [0.841_470_98, 0.540_302_3, 0.009_999_833, 0.999_95]
    for j in 0..<width { #expect(abs(y[width + j] - x[width + j] - step1[j]) < 1e-6) }
    let dy = randomValues(x.count, seed: 9)
    let (dTable, deviation) = accumulationDeviation(count: rows * width) { dTable, accumulate in
      EmbeddingKernels.addPositionsBackward(
        dTable: dTable, dy: dy, batch: batch, steps: steps, width: width, rows: rows, accumulate: accumulate)
    }
    let expected = (0..<rows * width).map { i -> Float in i < steps * width ? dy[i] + dy[steps * width + i] : 0 }
    #expect(relativeDifference(dTable, expected) < 1e-6)
    #expect(deviation < 1e-6)
  }

  @Test(arguments: [(5, 5, 2, 2), (3, 6, 4, 4), (7, 3, 3, 3)])
  func averagePoolingMatchesPlainLoops(_ sizes: (Int, Int, Int, Int)) {
    let (height, width, outputHeight, outputWidth) = sizes
    let planes = 3
    let x = randomValues(planes * height * width, seed: 10)
    var y = [Float](repeating: 0, count: planes * outputHeight * outputWidth)
    AveragePoolingKernels.adaptiveForward(
      y: &y, x: x, planes: planes, height: height, width: width, outputHeight: outputHeight,
      outputWidth: outputWidth, pool: pool)
    let dy = randomValues(y.count, seed: 11)
    var expectedY = [Float](repeating: 0, count: y.count)
    var expectedDx = [Float](repeating: 0, count: x.count)
    for p in 0..<planes {
      for oh in 0..<outputHeight {
        // floor(i * size / out) ..< ceil((i + 1) * size / out)
        let rows = (oh * height / outputHeight)..<(((oh + 1) * height + outputHeight - 1) / outputHeight)
        for ow in 0..<outputWidth {
          let columns = (ow * width / outputWidth)..<(((ow + 1) * width + outputWidth - 1) / outputWidth)
          let cells = rows.flatMap { r in columns.map { (p * height + r) * width + $0 } }
          let o = (p * outputHeight + oh) * outputWidth + ow
          expectedY[o] = cells.map { x[$0] }.reduce(0, +) / Float(cells.count)
          for cell in cells { expectedDx[cell] += dy[o] / Float(cells.count) }
        }
      }
    }
    #expect(relativeDifference(y, expectedY) < 1e-6)
    let (dx, deviation) = accumulationDeviation(count: x.count) { dx, accumulate in
      AveragePoolingKernels.adaptiveBackward(
        dx: dx, dy: dy, planes: planes, height: height, width: width, outputHeight: outputHeight,
        outputWidth: outputWidth, accumulate: accumulate, pool: pool)
    }
    #expect(relativeDifference(dx, expectedDx) < 1e-6)
    #expect(deviation < 1e-6)

    var means = [Float](repeating: 0, count: planes)
    let planeSize = height * width
    AveragePoolingKernels.globalForward(y: &means, x: x, planes: planes, planeSize: planeSize, pool: pool)
    for p in 0..<planes {
      let mean = x[(p * planeSize)..<((p + 1) * planeSize)].reduce(0, +) / Float(planeSize)
      #expect(abs(means[p] - mean) < 1e-6)
    }
    let (spread, globalDeviation) = accumulationDeviation(count: x.count) { dx, accumulate in
      AveragePoolingKernels.globalBackward(
        dx: dx, dy: dy, planes: planes, planeSize: planeSize, accumulate: accumulate, pool: pool)
    }
    let expectedSpread = x.indices.map { dy[$0 / planeSize] / Float(planeSize) }
    #expect(spread == expectedSpread)
    #expect(globalDeviation < 1e-6)
  }
}
