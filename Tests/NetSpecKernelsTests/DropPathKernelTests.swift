import NetSpecKernels
import Testing

/// ``DropPathKernels`` against plain loops: one draw per sample, whole
/// samples kept (scaled) or zeroed, the gradient written and accumulated.
@Suite struct DropPathKernelTests {
  @Test func dropsWholeSamplesAndScalesTheRest() {
    let (batch, size) = (2000, 3)
    let x = randomValues(batch * size, seed: 5)
    var (y, mask) = ([Float](repeating: 0, count: batch * size), [Float](repeating: 0, count: batch))
    DropPathKernels.forward(y: &y, mask: &mask, x: x, batch: batch, size: size, rate: 0.25, seed: 11)
    #expect(Set(mask) == [0, 1 / 0.75])
    #expect(abs(Float(mask.filter { $0 == 0 }.count) / Float(batch) - 0.25) < 0.04)
    var expected = [Float](repeating: 0, count: batch * size)
    for n in 0..<batch { for e in 0..<size { expected[n * size + e] = x[n * size + e] * mask[n] } }
    #expect(y == expected)
    // The draws are SplitMix64's, one per sample in order.
    var random = SplitMix64(seed: 11)
    let drawn = (0..<batch).map { _ in random.nextFloat() < 0.25 ? Float(0) : 1 / 0.75 }
    #expect(mask == drawn)
  }

  @Test func rateOneDropsEverySample() {
    let x = randomValues(6, seed: 2)
    var (y, mask) = ([Float](repeating: 1, count: 6), [Float](repeating: 1, count: 3))
    DropPathKernels.forward(y: &y, mask: &mask, x: x, batch: 3, size: 2, rate: 1, seed: 3)
    #expect(mask == [0, 0, 0])
    #expect(y == [Float](repeating: 0, count: 6))
  }

  @Test func backwardScalesEachSampleAndAccumulates() {
    let (batch, size) = (3, 4)
    let dy = randomValues(batch * size, seed: 8)
    let mask: [Float] = [2, 0, 2]
    let (written, deviation) = accumulationDeviation(count: batch * size) { dx, accumulate in
      DropPathKernels.backward(dx: dx, dy: dy, mask: mask, batch: batch, size: size, accumulate: accumulate)
    }
    let expected = (0..<(batch * size)).map { dy[$0] * mask[$0 / size] }
    #expect(written == expected)
    #expect(deviation < 1e-6)
  }
}
