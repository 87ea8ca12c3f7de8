import Foundation

/// How the learning rate changes over the epochs, after an optional linear
/// warmup (`train.schedule`).
///
/// With base rate `lr`, `w` warmup epochs and `t` epochs counted from the end of
/// the warmup (of `T = epochs - w`):
/// - warmup: the rate rises linearly, step by step, to `lr` at the end of epoch `w`;
/// - `constant`: `lr`;
/// - `step`: `lr * gamma^floor(t / every)`;
/// - `cosine`: `min_lr + (lr - min_lr) * (1 + cos(pi * t / T)) / 2`.
///
/// ```swift
/// let schedule = LearningRateSchedule(kind: .cosine(minLR: 0), warmupEpochs: 1)
/// schedule.rate(base: 0.1, epoch: 0, epochs: 10, progress: 0.5)  // 0.05
/// ```
public struct LearningRateSchedule: Sendable, Hashable {
  /// The schedule after the warmup.
  public enum Kind: Sendable, Hashable {
    case constant
    /// Multiply the rate by `gamma` every `every` epochs.
    case step(every: Int, gamma: Double)
    /// Cosine annealing from the base rate down to `minLR` at the last epoch.
    case cosine(minLR: Double)
  }

  /// The schedule after the warmup.
  public var kind: Kind
  /// Epochs of linear warmup before `kind` starts; 0 for none.
  public var warmupEpochs: Int

  public init(kind: Kind, warmupEpochs: Int) {
    self.kind = kind
    self.warmupEpochs = warmupEpochs
  }

  /// The learning rate for `epoch` (0-based) of `epochs`, at `progress` (0..<1)
  /// through that epoch (warmup rises per step).
  public func rate(base: Double, epoch: Int, epochs: Int, progress: Double) -> Double {
    if warmupEpochs > 0, epoch < warmupEpochs {
      return base * (Double(epoch) + progress + 1e-9) / Double(warmupEpochs)
    }
    let t = Double(epoch - warmupEpochs)
    let total = Double(max(epochs - warmupEpochs, 1))
    switch kind {
    case .constant: return base
    case .step(let every, let gamma): return base * pow(gamma, (t / Double(every)).rounded(.down))
    case .cosine(let minLR): return minLR + (base - minLR) * (1 + cos(Double.pi * t / total)) / 2
    }
  }
}
