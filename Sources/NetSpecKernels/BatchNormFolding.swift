extension BatchNormKernels {
  /// Folds an evaluation-mode batch normalization into the layer before it,
  /// whose output channel `f` is `weight[f] · x + bias[f]`: with
  /// `scale = normWeight / sqrt(runningVariance + epsilon)` per channel,
  /// `foldedWeight[f] = weight[f] * scale[f]` (`perFilter` floats a filter)
  /// and `foldedBias[f] = (bias[f] - runningMean[f]) * scale[f] + normBias[f]`
  /// (a nil `bias` is zero). The layer run on the folded weights gives the
  /// normalization's output (``forward(y:mean:inverseStd:runningMean:runningVariance:x:weight:bias:batch:channels:positions:momentum:epsilon:training:pool:)``
  /// with `training: false`) within float rounding.
  public static func fold(
    foldedWeight: UnsafeMutablePointer<Float>, foldedBias: UnsafeMutablePointer<Float>,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, normWeight: UnsafePointer<Float>,
    normBias: UnsafePointer<Float>, runningMean: UnsafePointer<Float>, runningVariance: UnsafePointer<Float>,
    filters: Int, perFilter: Int, epsilon: Float
  ) {
    for f in 0..<filters {
      let scale = normWeight[f] / (runningVariance[f] + epsilon).squareRoot()
      let row = f * perFilter
      for i in 0..<perFilter { foldedWeight[row + i] = weight[row + i] * scale }
      foldedBias[f] = ((bias?[f] ?? 0) - runningMean[f]) * scale + normBias[f]
    }
  }
}
