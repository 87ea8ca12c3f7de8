/// Where a model's samples hold token ids: `count` floats from `offset` in each
/// sample, ids `0..<vocab` of the embedding that reads them. Loaders check data
/// against it before a batch reaches the embedding, whose precondition would
/// otherwise stop the program.
public struct TokenRange: Sendable, Equatable {
  public var offset: Int
  public var count: Int
  public var vocab: Int

  public init(offset: Int, count: Int, vocab: Int) {
    self.offset = offset
    self.count = count
    self.vocab = vocab
  }

  /// The first value in `inputs` (whole samples of `sampleStride` floats) that
  /// is not a whole id in `0..<vocab` of its range, or nil.
  public static func firstInvalid(
    in inputs: [Float], sampleStride: Int, ranges: [TokenRange]
  ) -> (sample: Int, value: Float, vocab: Int)? {
    guard !ranges.isEmpty, sampleStride > 0 else { return nil }
    for sample in 0..<(inputs.count / sampleStride) {
      for range in ranges {
        for i in 0..<range.count {
          let value = inputs[sample * sampleStride + range.offset + i]
          if !(value >= 0 && value < Float(range.vocab) && value == value.rounded(.towardZero)) {
            return (sample, value, range.vocab)
          }
        }
      }
    }
    return nil
  }
}
