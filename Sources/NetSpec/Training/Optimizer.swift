import Foundation
import NetSpecKernels

/// Updates trainable parameters from their gradients: SGD (with heavy-ball or
/// Nesterov momentum), Adam or AdamW, with L2 weight decay, over one flat array
/// (the trainable prefix of the parameter arena), as PyTorch's optimizers do.
/// Each update is one parallel job over the whole array (``OptimizerKernels``).
public final class Optimizer {
  public let algorithm: OptimizerSpec.Algorithm
  /// L2 coefficient added to the gradient (`train.weight_decay`).
  public let weightDecay: Float
  /// Number of trainable floats.
  public let count: Int
  /// SGD: velocity; Adam: first moment.
  private let first: UnsafeMutablePointer<Float>
  /// Adam: second moment.
  private let second: UnsafeMutablePointer<Float>
  /// Updates taken so far (Adam's bias correction, SGD's first step); a
  /// resumed run sets it together with the moments.
  public var steps = 0
  /// The threads an update is spread over (results do not depend on their count).
  public let pool: ComputePool

  /// An optimizer for `count` trainable floats, its state zeroed; updates run on `pool`.
  public init(_ algorithm: OptimizerSpec.Algorithm, weightDecay: Double, count: Int, pool: ComputePool = .shared) {
    self.algorithm = algorithm
    self.pool = pool
    self.weightDecay = Float(weightDecay)
    self.count = count
    first = .allocate(capacity: max(count, 1))
    first.initialize(repeating: 0, count: max(count, 1))
    second = .allocate(capacity: max(count, 1))
    second.initialize(repeating: 0, count: max(count, 1))
  }

  deinit {
    first.deallocate()
    second.deallocate()
  }

  /// SGD's velocity or Adam's first moment: one float per trainable float,
  /// laid out like the trainable prefix of the parameter arena.
  public var firstMoment: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: first, count: count) }

  /// Adam's second moment, laid out as ``firstMoment`` (unused by SGD).
  public var secondMoment: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: second, count: count) }

  /// Floats of optimizer state per trainable parameter (for memory estimates).
  public var stateSlots: Int { algorithm.stateSlots }

  /// One update of `parameters` from `gradients` at learning rate `lr`.
  public func step(parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>, lr: Float) {
    steps += 1
    switch algorithm {
    case .sgd(let momentum, let nesterov):
      OptimizerKernels.sgd(
        parameters: p, gradients: g, velocity: first, count: count, learningRate: lr, momentum: Float(momentum),
        nesterov: nesterov, weightDecay: weightDecay, firstStep: steps == 1, pool: pool)
    case .adam(let adam):
      adamStep(p, g, lr: lr, adam, decoupledDecay: 0)
    case .adamw(let adam, let decay):
      adamStep(p, g, lr: lr, adam, decoupledDecay: Float(decay))
    }
  }

  private func adamStep(
    _ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, lr: Float,
    _ adam: OptimizerSpec.AdamParameters, decoupledDecay: Float
  ) {
    OptimizerKernels.adam(
      parameters: p, gradients: g, firstMoment: first, secondMoment: second, count: count, learningRate: lr,
      beta1: Float(adam.beta1), beta2: Float(adam.beta2), epsilon: Float(adam.epsilon), weightDecay: weightDecay,
      decoupledDecay: decoupledDecay, step: steps, pool: pool)
  }

  /// Scales `gradients` so their global L2 norm is at most `maxNorm`; returns
  /// the norm before clipping (on `pool`'s threads; the norm does not depend on their count).
  @discardableResult
  public static func clip(
    _ gradients: UnsafeMutablePointer<Float>, count: Int, maxNorm: Float, pool: ComputePool = .shared
  ) -> Float {
    OptimizerKernels.clipNorm(gradients, count: count, maxNorm: maxNorm, pool: pool)
  }
}
