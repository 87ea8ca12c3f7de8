import Foundation

/// How the learning rate changes over the epochs, after an optional linear
/// warm-up (`train.schedule`).
///
/// With base rate `lr`, `w` warm-up epochs of `n` steps each (`S = w * n`
/// warm-up steps) and `t` epochs counted from the end of the warm-up (of
/// `T = epochs - w`):
/// - warm-up: step `s` (0-based, counted from the first step of training)
///   gets `lr * (s + 1) / S`, rising from `lr / S` to `lr` at the last warm-up
///   step: PyTorch's `LinearLR(start_factor=1/S, total_iters=S-1)` stepped
///   per batch, so the first step already trains (with `batch_size: all` and
///   one warm-up epoch, that epoch runs at `lr`);
/// - `constant`: `lr`;
/// - `step`: `lr * gamma^floor(t / every)`;
/// - `cosine`: `min_lr + (lr - min_lr) * (1 + cos(pi * t / T)) / 2`.
///
/// ```swift
/// let schedule = LearningRateSchedule(kind: .cosine(minLR: 0), warmupEpochs: 1)
/// schedule.rate(base: 0.1, epoch: 0, epochs: 10, step: 1, stepsPerEpoch: 4)  // 0.05
/// ```
public struct LearningRateSchedule: Sendable, Hashable {
  /// The schedule after the warm-up.
  public enum Kind: Sendable, Hashable {
    case constant
    /// Multiply the rate by `gamma` every `every` epochs.
    case step(every: Int, gamma: Double)
    /// Cosine annealing from the base rate down to `minLR` at the last epoch.
    case cosine(minLR: Double)
  }

  /// The schedule after the warm-up.
  public var kind: Kind
  /// Epochs of linear warm-up before `kind` starts; 0 for none.
  public var warmupEpochs: Int

  public init(kind: Kind, warmupEpochs: Int) {
    self.kind = kind
    self.warmupEpochs = warmupEpochs
  }

  /// The learning rate for `step` (0-based) of `stepsPerEpoch` in `epoch`
  /// (0-based) of `epochs`. The warm-up rises per step; the schedule after it
  /// changes per epoch.
  public func rate(base: Double, epoch: Int, epochs: Int, step: Int, stepsPerEpoch: Int) -> Double {
    if warmupEpochs > 0, epoch < warmupEpochs {
      let perEpoch = max(stepsPerEpoch, 1)
      let done = epoch * perEpoch + min(step, perEpoch - 1) + 1
      return base * Double(done) / Double(warmupEpochs * perEpoch)
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
