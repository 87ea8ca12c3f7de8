#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Parameter updates over flat float arrays, as PyTorch's optimizers compute
/// them; the interpreter's `Optimizer` and emitted code both call these.
///
/// Every parameter tensor of a model lies in one flat arena, so a step is one
/// parallel job over all of them (``ComputePool/parallelElements(_:_:)``); each
/// element's update is independent, so the results do not depend on the split.
public enum OptimizerKernels {
  /// SGD with L2 weight decay and optional heavy-ball or Nesterov momentum.
  /// `velocity` is needed when `momentum` is nonzero; on the first step it
  /// starts at the gradient.
  public static func sgd(
    parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
    velocity v: UnsafeMutablePointer<Float>, count: Int, learningRate lr: Float, momentum mu: Float, nesterov: Bool,
    weightDecay wd: Float, firstStep: Bool, pool: ComputePool
  ) {
    pool.parallelElements(count) { range in
      for i in range {
        var d = g[i] + wd * p[i]
        if mu != 0 {
          v[i] = firstStep ? d : mu * v[i] + d
          d = nesterov ? d + mu * v[i] : v[i]
        }
        p[i] -= lr * d
      }
    }
  }

  /// Adam (with L2 `weightDecay` added to the gradient) or AdamW (with
  /// `decoupledDecay` applied to the weights); `step` counts from 1.
  public static func adam(
    parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
    firstMoment m: UnsafeMutablePointer<Float>, secondMoment v: UnsafeMutablePointer<Float>, count: Int,
    learningRate lr: Float, beta1: Float, beta2: Float, epsilon: Float, weightDecay wd: Float, decoupledDecay: Float,
    step: Int, pool: ComputePool
  ) {
    let correction1 = 1 - powf(beta1, Float(step))
    let correction2 = 1 - powf(beta2, Float(step))
    let stepSize = lr / correction1
    let root2 = correction2.squareRoot()
    pool.parallelElements(count) { range in
      for i in range {
        if decoupledDecay != 0 { p[i] -= lr * decoupledDecay * p[i] }
        let d = g[i] + wd * p[i]
        m[i] = beta1 * m[i] + (1 - beta1) * d
        v[i] = beta2 * v[i] + (1 - beta2) * d * d
        p[i] -= stepSize * m[i] / (v[i].squareRoot() / root2 + epsilon)
      }
    }
  }

  /// Squares summed per chunk of this many gradients, the chunks then added in
  /// order (``ComputePool/orderedSum(_:chunk:_:)``), so the norm does not depend on
  /// the thread count.
  static let normChunk = 16_384

  /// Scales `gradients` so their global L2 norm is at most `maxNorm`; returns
  /// the norm before clipping.
  @discardableResult
  public static func clipNorm(
    _ gradients: UnsafeMutablePointer<Float>, count: Int, maxNorm: Float, pool: ComputePool
  ) -> Float {
    let sum = pool.orderedSum(count, chunk: normChunk) { range in
      var sum: Double = 0
      for i in range { sum += Double(gradients[i]) * Double(gradients[i]) }
      return sum
    }
    let norm = Float(sum.squareRoot())
    if norm > maxNorm, norm.isFinite {
      let scale = maxNorm / (norm + 1e-6)
      pool.parallelElements(count) { range in
        for i in range { gradients[i] *= scale }
      }
    }
    return norm
  }
}
