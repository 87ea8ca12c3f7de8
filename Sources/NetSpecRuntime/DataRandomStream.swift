/// The ``RandomGenerator`` streams the data pipeline draws from, all seeded by
/// `train.seed`. Other users of the seed (initialization, dropout) should
/// pick stream numbers outside these ranges.
public enum DataRandomStream {
  /// The shuffle before splitting off validation and test samples.
  public static let split: UInt64 = 0xDA7A_0001
  /// Synthetic training sequences.
  public static let syntheticTrain: UInt64 = 0xDA7A_0002
  /// Synthetic sequences of a separate `data.test` source.
  public static let syntheticTest: UInt64 = 0xDA7A_0003

  /// The order of the training samples in epoch `epoch`.
  public static func shuffle(epoch: UInt64) -> UInt64 { 0xDA7A_0001_0000_0000 &+ epoch }

  /// The augmentation draws in epoch `epoch`.
  public static func augment(epoch: UInt64) -> UInt64 { 0xDA7A_0002_0000_0000 &+ epoch }
}
