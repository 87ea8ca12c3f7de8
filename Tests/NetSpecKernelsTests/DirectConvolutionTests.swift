import NetSpecKernels
import Testing

/// The packless direct convolution (DirectConvolution.swift) against plain loops:
/// the forward pass (``ConvolutionKernels/directForward(y:preActivation:x:weight:bias:batch:geometry:filters:activation:pool:planeEpilogue:)``)
/// and the input gradient of stride-1 layers (through ``ConvolutionKernels/backward(dx:dWeight:dBias:workspace:x:weight:y:preActivation:dy:batch:geometry:filters:groups:activation:variant:accumulateInput:accumulateWeight:accumulateBias:pool:planeGradient:)``),
/// on shapes that reach every tile, every kind of position vector and every
/// ragged edge, written and accumulated, on one and two threads.
@Suite struct DirectConvolutionTests {
  typealias Case = ConvolutionKernelTests.Case

  static let cases = ConvolutionShapeTable.cases

  @Test(arguments: cases, [1, 3])
  func forwardMatchesPlainLoops(_ c: Case, batch: Int) {
    _ = ConvolutionShapeTable.checkForward(c, batch: batch) {
      y, preActivation, x, weight, bias, activation, pool, epilogue in
      ConvolutionKernels.directForward(
        y: y, preActivation: preActivation, x: x, weight: weight, bias: bias, batch: batch, geometry: c.geometry,
        filters: c.filters, activation: activation, pool: pool, planeEpilogue: epilogue)
    }
  }

  @Test(arguments: cases.filter { $0.stride == 1 }, [1, 3])
  func inputGradientMatchesPlainLoopsWrittenAndAccumulated(_ c: Case, batch: Int) {
    let g = c.geometry
    let inputCount = batch * c.channels * c.height * c.width
    let weight = randomValues(c.filters * g.columnRows, seed: 32)
    let dy = randomValues(batch * c.filters * g.outputPositions, seed: 33)
    var expected = [Double](repeating: 0, count: inputCount)
    ConvolutionShapeTable.forEachProduct(c, batch: batch) { output, input, w in
      expected[input] += Double(dy[output]) * Double(weight[w])
    }
    let plain = expected.map { Float($0) }
    var results: [[Float]] = []
    // dZ in [batch, F, P] order, then in the im2col variant's [F, batch * P].
    let byFilter = (0..<dy.count).map { index in
      let (filter, rest) = index.quotientAndRemainder(dividingBy: batch * g.outputPositions)
      let (sample, position) = rest.quotientAndRemainder(dividingBy: g.outputPositions)
      return dy[(sample * c.filters + filter) * g.outputPositions + position]
    }
    for (dz, isFilterMajor) in [(dy, false), (byFilter, true)] {
      for threads in [1, 2] {
        let pool = ComputePool(threadCount: threads)
        let (dx, deviation) = accumulationDeviation(count: inputCount) { dx, accumulate in
          ConvolutionKernels.convolvedInputGradient(
            dx: dx, dz: dz, filterMajor: isFilterMajor, weight: weight, batch: batch, geometry: g,
            filters: c.filters, accumulate: accumulate, pool: pool)
        }
        #expect(relativeDifference(dx, plain) < 1e-5, "filter-major \(isFilterMajor), \(threads) threads")
        #expect(deviation < 1e-5)
        results.append(dx)
      }
    }
    #expect(results.allSatisfy { $0 == results[0] })
  }

  /// `backward` takes the direct input gradient where the shape chooses it, with
  /// dZ in either variant's layout.
  @Test(arguments: cases.filter { $0.stride == 1 && $0.kernelHeight > 1 }, [3])
  func backwardRunsTheDirectInputGradient(_ c: Case, batch: Int) {
    let g = c.geometry
    #expect(ConvolutionKernels.usesDirectInputGradient(g, filters: c.filters, groups: 1))
    let inputCount = batch * c.channels * c.height * c.width
    let x = randomValues(inputCount, seed: 31)
    let weight = randomValues(c.filters * g.columnRows, seed: 32)
    let dy = randomValues(batch * c.filters * g.outputPositions, seed: 33)
    var expected = [Double](repeating: 0, count: inputCount)
    ConvolutionShapeTable.forEachProduct(c, batch: batch) { output, input, w in
      expected[input] += Double(dy[output]) * Double(weight[w])
    }
    let plain = expected.map { Float($0) }
    var workspace = [Float](repeating: 0, count: batch * ConvolutionKernels.workspace(g, filters: c.filters))
    var results: [[Float]] = []
    for variant in [ConvolutionVariant.im2col, .direct] {
      for threads in [1, 2] {
        let pool = ComputePool(threadCount: threads)
        let (dx, deviation) = accumulationDeviation(count: inputCount) { dx, accumulate in
          ConvolutionKernels.backward(
            dx: dx, dWeight: nil, dBias: nil, workspace: &workspace, x: x, weight: weight, y: nil,
            preActivation: nil, dy: dy, batch: batch, geometry: g, filters: c.filters, groups: 1, activation: nil,
            variant: variant, accumulateInput: accumulate, accumulateWeight: false, accumulateBias: false,
            pool: pool)
        }
        #expect(relativeDifference(dx, plain) < 1e-5, "\(variant) \(threads) threads")
        #expect(deviation < 1e-5)
        results.append(dx)
      }
    }
    // Whichever layout dZ has (by variant) and however many threads: the same bits.
    #expect(results.allSatisfy { $0 == results[0] })
  }

  /// Ungrouped windows larger than 1x1 take the direct forward; grouped layers
  /// im2col, 1x1 the implicit GEMM. Stride 2 and 1x1 keep their variant's input gradient.
  @Test func theShapeChoosesThePath() {
    let stem = ConvolutionShapeTable.shape(3, 32, 32, filters: 16, kernel: 3, padding: 1).geometry
    #expect(ConvolutionKernels.forwardPath(stem, filters: 16, groups: 1) == .direct)
    let lenet = ConvolutionShapeTable.shape(1, 28, 28, filters: 6, kernel: 5, padding: 2).geometry
    #expect(ConvolutionKernels.forwardPath(lenet, filters: 6, groups: 1) == .direct)
    #expect(ConvolutionKernels.forwardPath(stem, filters: 16, groups: 2) == .im2col)
    let shortcut = ConvolutionShapeTable.shape(16, 17, 17, filters: 9, kernel: 1, stride: 2, padding: 0).geometry
    #expect(ConvolutionKernels.forwardPath(shortcut, filters: 9, groups: 1) == .implicitGEMM)
    #expect(ConvolutionKernels.usesDirectInputGradient(stem, filters: 16, groups: 1))
    #expect(!ConvolutionKernels.usesDirectInputGradient(stem, filters: 16, groups: 2))
    let strided = ConvolutionShapeTable.shape(3, 15, 17, filters: 7, kernel: 3, stride: 2, padding: 1).geometry
    #expect(!ConvolutionKernels.usesDirectInputGradient(strided, filters: 7, groups: 1))
    let pointwise = ConvolutionShapeTable.shape(2, 6, 7, filters: 3, kernel: 1, padding: 1).geometry
    #expect(!ConvolutionKernels.usesDirectInputGradient(pointwise, filters: 3, groups: 1))
  }
}
