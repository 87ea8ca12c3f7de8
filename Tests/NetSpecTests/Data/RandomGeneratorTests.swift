import Foundation
import Testing

@testable import NetSpec

@Suite("RandomGenerator")
struct RandomGeneratorTests {
  /// Values from an independent implementation of SplitMix64-seeded
  /// xoshiro256** (Python), so the numbers are the same on every platform.
  @Test func fixedValuesForSeed42() {
    var random = RandomGenerator(seed: 42)
    #expect(random.next() == 0x1578_0B2E_0C2E_C716)
    #expect(random.next() == 0x6104_D986_6D11_3A7E)
    #expect(random.next() == 0xAE17_5332_39E4_99A1)

    var floats = RandomGenerator(seed: 42)
    #expect((0..<3).map { _ in floats.nextFloat() } == [0.08386296, 0.37898022, 0.6800434])

    var ints = RandomGenerator(seed: 42)
    #expect((0..<10).map { _ in ints.nextInt(below: 10) } == [0, 3, 6, 9, 9, 7, 7, 8, 7, 5])

    var normals = RandomGenerator(seed: 42)
    #expect((0..<3).map { _ in normals.nextGaussian() } == [-0.7262191, 0.2216227, 0.46417731])

    var stream = RandomGenerator(seed: 42, stream: 7)
    #expect(stream.next() == 0x11A9_0447_9C05_B3DA)
  }

  @Test func sameSeedSameNumbersDifferentSeedOrStreamOthers() {
    var a = RandomGenerator(seed: 9)
    var b = RandomGenerator(seed: 9)
    var c = RandomGenerator(seed: 10)
    var d = RandomGenerator(seed: 9, stream: 1)
    let first = (0..<16).map { _ in a.next() }
    #expect(first == (0..<16).map { _ in b.next() })
    #expect(first != (0..<16).map { _ in c.next() })
    #expect(first != (0..<16).map { _ in d.next() })
  }

  @Test func ranges() {
    var random = RandomGenerator(seed: 3)
    for _ in 0..<10_000 {
      let f = random.nextFloat()
      #expect(f >= 0 && f < 1)
      let d = random.nextDouble()
      #expect(d >= 0 && d < 1)
    }
    var counts = [Int](repeating: 0, count: 7)
    for _ in 0..<70_000 { counts[random.nextInt(below: 7)] += 1 }
    #expect(counts.allSatisfy { abs($0 - 10_000) < 500 }, "\(counts)")
    #expect((0..<100).allSatisfy { _ in random.nextInt(below: 1) == 0 })
  }

  @Test func gaussianMoments() {
    var random = RandomGenerator(seed: 5)
    let samples = (0..<50_000).map { _ in Double(random.nextGaussian()) }
    let mean = samples.reduce(0, +) / Double(samples.count)
    let variance = samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(samples.count)
    #expect(abs(mean) < 0.02)
    #expect(abs(variance - 1) < 0.03)
  }

  @Test func logMatchesTheCLibrary() {
    for x in [1e-300, 1e-10, 0.001, 0.25, 0.5, 0.7071, 0.70711, 0.9, 0.999_999, 1.5, 2, 1e10] {
      let error = abs(RandomGenerator.naturalLog(x) - log(x))
      #expect(error <= 4 * abs(log(x)).ulp + 1e-16, "\(x)")
    }
  }

  @Test func permutationsAreDeterministicPermutations() {
    var a = RandomGenerator(seed: 1)
    var b = RandomGenerator(seed: 1)
    let order = a.permutation(1000)
    #expect(order == b.permutation(1000))
    #expect(order.sorted() == Array(0..<1000))
    #expect(order != Array(0..<1000))
    var empty: [Int] = []
    a.shuffle(&empty)
    #expect(empty.isEmpty)
  }
}
