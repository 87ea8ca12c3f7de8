import NetSpecKernels
import Testing

/// The implicit-GEMM forward convolution (``ConvolutionKernels/implicitForward(y:preActivation:x:weight:bias:batch:geometry:filters:activation:pool:planeEpilogue:)``)
/// against plain loops and against the im2col path, on shapes that reach every
/// edge of its position panels, filter tiles and depth blocks.
@Suite struct ImplicitConvolutionTests {
  typealias Case = ConvolutionKernelTests.Case

  static let cases = [
    // ResNet's stem: 32-wide rows, one position panel per output row.
    Case(
      channels: 3, height: 32, width: 32, filters: 16, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1,
      dilation: 1, groups: 1),
    // 270 taps (two depth blocks), 13 filters (a ragged filter tile), 99
    // positions (a last panel 3 wide), panels spanning several output rows.
    Case(
      channels: 30, height: 9, width: 11, filters: 13, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1,
      dilation: 1, groups: 1),
    // Stride and dilation, non-square kernel.
    Case(
      channels: 2, height: 13, width: 10, filters: 5, kernelHeight: 3, kernelWidth: 2, stride: 2, padding: 1,
      dilation: 2, groups: 1),
    // LeNet-5's first layer: one channel, 5x5, no padding.
    Case(
      channels: 1, height: 28, width: 28, filters: 6, kernelHeight: 5, kernelWidth: 5, stride: 1, padding: 0,
      dilation: 1, groups: 1),
    // 1x1 with a ragged last panel wider than a narrow one (31 positions).
    Case(
      channels: 4, height: 7, width: 9, filters: 20, kernelHeight: 1, kernelWidth: 1, stride: 1, padding: 0,
      dilation: 1, groups: 1),
    // Stride 3 with padding wider than a tap: rows and columns wholly in the padding.
    Case(
      channels: 3, height: 10, width: 10, filters: 4, kernelHeight: 3, kernelWidth: 3, stride: 3, padding: 2,
      dilation: 1, groups: 1),
  ]

  let batch = 3

  @Test(arguments: cases)
  func matchesPlainLoopsAndTheIm2colPathToTheBit(_ c: Case) {
    let g = c.geometry
    let inputCount = batch * c.channels * c.height * c.width
    let outputCount = batch * c.filters * g.outputPositions
    let x = randomValues(inputCount, seed: 11)
    let weight = randomValues(c.filters * g.columnRows, seed: 12)
    let bias = randomValues(c.filters, seed: 13)
    // Plain loops, in Double.
    var expected = [Double](repeating: 0, count: outputCount)
    for sample in 0..<batch {
      for f in 0..<c.filters {
        for oh in 0..<g.outputHeight {
          for ow in 0..<g.outputWidth {
            var sum = Double(bias[f])
            for channel in 0..<c.channels {
              for i in 0..<c.kernelHeight {
                for j in 0..<c.kernelWidth {
                  let ih = oh * g.strideHeight + i * g.dilationHeight - g.padTop
                  let iw = ow * g.strideWidth + j * g.dilationWidth - g.padLeft
                  guard ih >= 0 && ih < g.height && iw >= 0 && iw < g.width else { continue }
                  let input = x[((sample * c.channels + channel) * g.height + ih) * g.width + iw]
                  sum +=
                    Double(input)
                    * Double(weight[((f * c.channels + channel) * c.kernelHeight + i) * c.kernelWidth + j])
                }
              }
            }
            expected[((sample * c.filters + f) * g.outputHeight + oh) * g.outputWidth + ow] = sum
          }
        }
      }
    }
    var workspace = [Float](repeating: 0, count: batch * ConvolutionKernels.workspace(g, filters: c.filters))
    for activation in [nil, ActivationKernel.relu, .tanh] {
      for withBias in [true, false] {
        let plain = expected.enumerated().map { index, value in
          Float(withBias ? value : value - Double(bias[index / g.outputPositions % c.filters]))
        }
        var plainY = plain
        activation?.forward(plain, &plainY, count: outputCount)
        var results: [[Float]] = []
        for threads in [1, 2] {
          var y = [Float](repeating: .nan, count: outputCount)
          var preActivation = [Float](repeating: .nan, count: outputCount)
          var planes: [Int] = []
          ConvolutionKernels.implicitForward(
            y: &y, preActivation: &preActivation, x: x, weight: weight, bias: withBias ? bias : nil, batch: batch,
            geometry: g, filters: c.filters, activation: activation, pool: ComputePool(threadCount: threads)
          ) { plane, _ in if threads == 1 { planes.append(plane) } }  // one thread: in order, no race
          #expect(threads > 1 || planes == Array(0..<batch * c.filters))
          #expect(relativeDifference(y, plainY) < 1e-5, "\(String(describing: activation)) bias \(withBias)")
          if activation != .relu { #expect(relativeDifference(preActivation, plain) < 1e-5) }
          results.append(y)
          results.append(preActivation)
        }
        var y = [Float](repeating: .nan, count: outputCount)
        var preActivation = [Float](repeating: .nan, count: outputCount)
        ConvolutionKernels.im2colForward(
          y: &y, preActivation: &preActivation, workspace: &workspace, x: x, weight: weight,
          bias: withBias ? bias : nil, batch: batch, geometry: g, filters: c.filters, groups: 1,
          activation: activation, pool: ComputePool(threadCount: 2))
        // The same bits on one thread, on two, and through im2col.
        #expect(results[0] == results[2])
        #expect(results[1] == results[3])
        #expect(results[0] == y)
        #expect(results[1] == preActivation)
      }
    }
  }

  /// Ungrouped windows larger than 1x1 take the direct convolution; 1x1 layers the
  /// implicit GEMM while their weights stay in L2, else im2col, as grouped layers do.
  @Test func theShapeChoosesThePath() {
    for c in Self.cases {
      let expected: ConvolutionKernels.ForwardPath = c.kernelHeight * c.kernelWidth > 1 ? .direct : .implicitGEMM
      #expect(ConvolutionKernels.forwardPath(c.geometry, filters: c.filters, groups: 1) == expected)
    }
    let pointwise = Self.cases[4].geometry
    #expect(ConvolutionKernels.forwardPath(pointwise, filters: 20, groups: 2) == .im2col)
    var large = pointwise
    large.channels = 5000
    #expect(ConvolutionKernels.forwardPath(large, filters: 12, groups: 1) == .implicitGEMM)
    #expect(ConvolutionKernels.forwardPath(large, filters: 24, groups: 1) == .im2col)
  }
}
