import NetSpecKernels
import Testing

/// The implicit-GEMM forward convolution (``ConvolutionKernels/implicitForward(y:preActivation:x:weight:bias:batch:geometry:filters:activation:pool:planeEpilogue:)``)
/// against plain loops and against the im2col path, on the shared shape table
/// (ConvolutionShapeTable.swift), which reaches every edge of its position panels,
/// filter tiles and depth blocks.
@Suite struct ImplicitConvolutionTests {
  typealias Case = ConvolutionKernelTests.Case

  static let cases = ConvolutionShapeTable.cases

  let batch = 3

  @Test(arguments: cases)
  func matchesPlainLoopsAndTheIm2colPathToTheBit(_ c: Case) {
    let g = c.geometry
    let batch = self.batch
    let (x, weight, bias, results) = ConvolutionShapeTable.checkForward(c, batch: batch) {
      y, preActivation, x, weight, bias, activation, pool, epilogue in
      ConvolutionKernels.implicitForward(
        y: y, preActivation: preActivation, x: x, weight: weight, bias: bias, batch: batch, geometry: g,
        filters: c.filters, activation: activation, pool: pool, planeEpilogue: epilogue)
    }
    let outputCount = batch * c.filters * g.outputPositions
    var workspace = [Float](repeating: 0, count: batch * ConvolutionKernels.workspace(g, filters: c.filters))
    // A single filter makes im2col's GEMM a one-row product, which sums in another order.
    for result in results where c.filters > 1 {
      var y = [Float](repeating: .nan, count: outputCount)
      var preActivation = [Float](repeating: .nan, count: outputCount)
      ConvolutionKernels.im2colForward(
        y: &y, preActivation: &preActivation, workspace: &workspace, x: x, weight: weight,
        bias: result.withBias ? bias : nil, batch: batch, geometry: g, filters: c.filters, groups: 1,
        activation: result.activation, pool: ComputePool(threadCount: 2))
      // The same bits as through im2col.
      #expect(result.y == y, "\(String(describing: result.activation)) bias \(result.withBias)")
      #expect(result.preActivation == preActivation)
    }
  }

  /// Ungrouped windows larger than 1x1 take the direct convolution; 1x1 layers the
  /// implicit GEMM while their weights stay in L2, else im2col, as grouped layers do.
  @Test func theShapeChoosesThePath() {
    for c in Self.cases {
      let expected: ConvolutionKernels.ForwardPath = c.kernelHeight * c.kernelWidth > 1 ? .direct : .implicitGEMM
      #expect(ConvolutionKernels.forwardPath(c.geometry, filters: c.filters, groups: 1) == expected)
    }
    let pointwise = ConvolutionShapeTable.shape(4, 7, 9, filters: 20, kernel: 1, padding: 0).geometry
    #expect(ConvolutionKernels.forwardPath(pointwise, filters: 20, groups: 2) == .im2col)
    var large = pointwise
    large.channels = 5000
    #expect(ConvolutionKernels.forwardPath(large, filters: 12, groups: 1) == .implicitGEMM)
    #expect(ConvolutionKernels.forwardPath(large, filters: 24, groups: 1) == .im2col)
  }
}
