#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The reparameterized Gaussian sample of a variational autoencoder (the
/// `gaussian_sample` op): `z = mu + exp(logvar / 2) * eps` with `eps` drawn
/// from a standard normal, so gradients reach `mu` and `logvar`.
public enum SamplingKernels {
  /// `z[i] = mu[i] + exp(logvar[i] / 2) * eps[i]`, `eps` drawn from
  /// `SplitMix64(seed:)`'s `nextGaussian`, one draw per element in order.
  public static func gaussianForward(
    z: UnsafeMutablePointer<Float>, mu: UnsafePointer<Float>, logvar: UnsafePointer<Float>, count: Int, seed: UInt64
  ) {
    var random = SplitMix64(seed: seed)
    for i in 0..<count { z[i] = mu[i] + expf(0.5 * logvar[i]) * random.nextGaussian() }
  }

  /// `dMu = dz` and `dLogvar = dz * (z - mu) / 2` (since `exp(logvar / 2) *
  /// eps = z - mu`), each skipped when nil and added into when its
  /// `accumulate` flag is set. When `z` is `mu` (no sample drawn), `dLogvar` is 0.
  public static func gaussianBackward(
    dMu: UnsafeMutablePointer<Float>?, dLogvar: UnsafeMutablePointer<Float>?, dz: UnsafePointer<Float>,
    mu: UnsafePointer<Float>, z: UnsafePointer<Float>, count: Int, accumulateMu: Bool, accumulateLogvar: Bool
  ) {
    if let dMu {
      for i in 0..<count { dMu[i] = accumulateMu ? dMu[i] + dz[i] : dz[i] }
    }
    if let dLogvar {
      for i in 0..<count {
        let value = 0.5 * dz[i] * (z[i] - mu[i])
        dLogvar[i] = accumulateLogvar ? dLogvar[i] + value : value
      }
    }
  }
}
