import NetSpecKernels
import Testing

/// ``BatchNormKernels/fold(foldedWeight:foldedBias:weight:bias:normWeight:normBias:runningMean:runningVariance:filters:perFilter:epsilon:)``
/// against a linear layer followed by an evaluation-mode normalization, in
/// plain loops in Double.
@Suite struct BatchNormFoldingTests {
  @Test(arguments: [true, false])
  func theFoldedLayerEqualsTheLayerThenTheNormalization(withBias: Bool) {
    let (filters, perFilter, epsilon): (Int, Int, Float) = (4, 6, 1e-3)
    let weight = randomValues(filters * perFilter, seed: 1)
    let bias = withBias ? randomValues(filters, seed: 2) : nil
    let (normWeight, normBias) = (randomValues(filters, seed: 3), randomValues(filters, seed: 4))
    let runningMean = randomValues(filters, seed: 5)
    let runningVariance = randomValues(filters, seed: 6).map { 0.5 + $0 * $0 }
    var foldedWeight = [Float](repeating: .nan, count: filters * perFilter)
    var foldedBias = [Float](repeating: .nan, count: filters)
    BatchNormKernels.fold(
      foldedWeight: &foldedWeight, foldedBias: &foldedBias, weight: weight, bias: bias, normWeight: normWeight,
      normBias: normBias, runningMean: runningMean, runningVariance: runningVariance, filters: filters,
      perFilter: perFilter, epsilon: epsilon)
    let x = randomValues(perFilter, seed: 7)
    for f in 0..<filters {
      let row = (0..<perFilter).map { Double(weight[f * perFilter + $0]) * Double(x[$0]) }.reduce(0, +)
      let z = row + Double(bias?[f] ?? 0)
      let std = (Double(runningVariance[f]) + Double(epsilon)).squareRoot()
      let expected = (z - Double(runningMean[f])) / std * Double(normWeight[f]) + Double(normBias[f])
      let folded =
        (0..<perFilter).map { Double(foldedWeight[f * perFilter + $0]) * Double(x[$0]) }.reduce(0, +)
        + Double(foldedBias[f])
      #expect(abs(folded - expected) < 1e-5 * max(1, abs(expected)), "filter \(f)")
    }
  }
}
