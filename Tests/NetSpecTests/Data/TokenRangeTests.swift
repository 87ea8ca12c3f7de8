import NetSpecRuntime
import Testing

/// ``TokenRange/firstInvalid(in:sampleStride:ranges:)``, which the emitted
/// package tool runs on its data and predict inputs.
@Suite struct TokenRangeTests {
  let ranges = [TokenRange(offset: 1, count: 2, vocab: 5)]

  @Test func acceptsIdsInRangeAndIgnoresOtherValues() {
    // Samples of 3 floats: a real value, then two ids.
    #expect(TokenRange.firstInvalid(in: [-7.5, 0, 4, 99, 3, 2], sampleStride: 3, ranges: ranges) == nil)
  }

  @Test(arguments: [Float(5), -1, 2.5, .nan, .infinity])
  func namesTheFirstBadId(_ bad: Float) throws {
    let found = try #require(
      TokenRange.firstInvalid(in: [0, 1, 2, 0, 3, bad, 0, 9, 9], sampleStride: 3, ranges: ranges))
    #expect(found.sample == 1)
    #expect(found.value == bad || (found.value.isNaN && bad.isNaN))
    #expect(found.vocab == 5)
  }

  @Test func noRangesMeansNothingToCheck() {
    #expect(TokenRange.firstInvalid(in: [99, -3], sampleStride: 2, ranges: []) == nil)
  }
}
