import NetSpecKernels
import Testing

/// The packless direct convolution (DirectConvolution.swift) against plain loops:
/// the forward pass (``ConvolutionKernels/directForward(y:preActivation:x:weight:bias:batch:geometry:filters:activation:pool:planeEpilogue:)``)
/// and the input gradient of stride-1 layers (through ``ConvolutionKernels/backward(dx:dWeight:dBias:workspace:x:weight:y:preActivation:dy:batch:geometry:filters:groups:activation:variant:accumulateInput:accumulateWeight:accumulateBias:pool:planeGradient:)``),
/// on shapes that reach every tile, every kind of position vector and every
/// ragged edge, written and accumulated, on one and two threads.
@Suite struct DirectConvolutionTests {
  typealias Case = ConvolutionKernelTests.Case

  static func shape(
    _ channels: Int, _ height: Int, _ width: Int, filters: Int, kernel: Int, stride: Int = 1, padding: Int,
    dilation: Int = 1
  ) -> Case {
    Case(
      channels: channels, height: height, width: width, filters: filters, kernelHeight: kernel, kernelWidth: kernel,
      stride: stride, padding: padding, dilation: dilation, groups: 1)
  }

  static let cases = [
    // ResNet's stem: 32-wide rows, two full vectors per row, two filter blocks.
    shape(3, 32, 32, filters: 16, kernel: 3, padding: 1),
    // Odd sizes: 11-wide rows (one partial vector), 13 filters (a ragged block).
    shape(5, 9, 11, filters: 13, kernel: 3, padding: 1),
    // 5-wide rows: two rows per vector, 7 rows (the last vector has one row), 20 filters.
    shape(6, 7, 5, filters: 20, kernel: 3, padding: 1),
    // 35-wide rows: two full vectors and a 3-lane one; no padding.
    shape(2, 9, 37, filters: 3, kernel: 3, padding: 0),
    // Stride 2 with padding: 9-wide output rows.
    shape(3, 15, 17, filters: 7, kernel: 3, stride: 2, padding: 1),
    // ResNet's 1x1 stride-2 shortcut, at an odd size.
    shape(16, 17, 17, filters: 9, kernel: 1, stride: 2, padding: 0),
    // 5x5 stride 2, padding 2: 6-wide rows, two per vector.
    shape(3, 11, 11, filters: 4, kernel: 5, stride: 2, padding: 2),
    // LeNet-5's layers: 5x5, 1 -> 6 with padding 2, and 6 -> 16 without.
    shape(1, 28, 28, filters: 6, kernel: 5, padding: 2),
    shape(6, 14, 14, filters: 16, kernel: 5, padding: 0),
    // Dilation 2.
    shape(2, 10, 12, filters: 5, kernel: 3, padding: 2, dilation: 2),
    // Padding wider than the kernel reaches: output rows and columns wholly in
    // the padding, and a negative padding for the input gradient.
    shape(2, 6, 7, filters: 3, kernel: 1, padding: 1),
    // One filter, 64 channels on 8x8 (ResNet's last stage, two rows per vector).
    shape(64, 8, 8, filters: 1, kernel: 3, padding: 1),
  ]

  /// `y[sample, f, oh, ow]` of the plain convolution in Double, without bias.
  static func plainForward(_ c: Case, x: [Float], weight: [Float], batch: Int) -> [Double] {
    let g = c.geometry
    var y = [Double](repeating: 0, count: batch * c.filters * g.outputPositions)
    forEachProduct(c, batch: batch) { output, input, w in y[output] += Double(x[input]) * Double(weight[w]) }
    return y
  }

  /// Calls `body(outputIndex, inputIndex, weightIndex)` for every product of the convolution.
  static func forEachProduct(_ c: Case, batch: Int, _ body: (Int, Int, Int) -> Void) {
    let g = c.geometry
    for sample in 0..<batch {
      for f in 0..<c.filters {
        for oh in 0..<g.outputHeight {
          for ow in 0..<g.outputWidth {
            for channel in 0..<c.channels {
              for i in 0..<c.kernelHeight {
                for j in 0..<c.kernelWidth {
                  let ih = oh * g.strideHeight + i * g.dilationHeight - g.padTop
                  let iw = ow * g.strideWidth + j * g.dilationWidth - g.padLeft
                  guard ih >= 0 && ih < g.height && iw >= 0 && iw < g.width else { continue }
                  body(
                    ((sample * c.filters + f) * g.outputHeight + oh) * g.outputWidth + ow,
                    ((sample * c.channels + channel) * g.height + ih) * g.width + iw,
                    ((f * c.channels + channel) * c.kernelHeight + i) * c.kernelWidth + j)
                }
              }
            }
          }
        }
      }
    }
  }

  @Test(arguments: cases, [1, 3])
  func forwardMatchesPlainLoops(_ c: Case, batch: Int) {
    let g = c.geometry
    let outputCount = batch * c.filters * g.outputPositions
    let x = randomValues(batch * c.channels * c.height * c.width, seed: 21)
    let weight = randomValues(c.filters * g.columnRows, seed: 22)
    let bias = randomValues(c.filters, seed: 23)
    let expected = Self.plainForward(c, x: x, weight: weight, batch: batch)
    for activation in [nil, ActivationKernel.relu, .tanh] {
      for withBias in [true, false] {
        let plain = expected.enumerated().map { index, value in
          Float(withBias ? value + Double(bias[index / g.outputPositions % c.filters]) : value)
        }
        var plainY = plain
        activation?.forward(plain, &plainY, count: outputCount)
        var results: [[Float]] = []
        for threads in [1, 2] {
          var y = [Float](repeating: .nan, count: outputCount)
          var preActivation = [Float](repeating: .nan, count: outputCount)
          var planes: [Int] = []
          ConvolutionKernels.directForward(
            y: &y, preActivation: &preActivation, x: x, weight: weight, bias: withBias ? bias : nil, batch: batch,
            geometry: g, filters: c.filters, activation: activation, pool: ComputePool(threadCount: threads)
          ) { plane, _ in if threads == 1 { planes.append(plane) } }  // one thread: in order, no race
          #expect(threads > 1 || planes == Array(0..<batch * c.filters))
          #expect(relativeDifference(y, plainY) < 1e-5, "\(String(describing: activation)) bias \(withBias)")
          if activation != .relu { #expect(relativeDifference(preActivation, plain) < 1e-5) }
          results.append(y)
          results.append(preActivation)
        }
        // The same bits on one thread and on two.
        #expect(results[0] == results[2])
        #expect(results[1] == results[3])
      }
    }
  }

  @Test(arguments: cases.filter { $0.stride == 1 }, [1, 3])
  func inputGradientMatchesPlainLoopsWrittenAndAccumulated(_ c: Case, batch: Int) {
    let g = c.geometry
    let inputCount = batch * c.channels * c.height * c.width
    let weight = randomValues(c.filters * g.columnRows, seed: 32)
    let dy = randomValues(batch * c.filters * g.outputPositions, seed: 33)
    var expected = [Double](repeating: 0, count: inputCount)
    Self.forEachProduct(c, batch: batch) { output, input, w in expected[input] += Double(dy[output]) * Double(weight[w])
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
    Self.forEachProduct(c, batch: batch) { output, input, w in expected[input] += Double(dy[output]) * Double(weight[w])
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
    let stem = Self.cases[0].geometry
    #expect(ConvolutionKernels.forwardPath(stem, filters: 16, groups: 1) == .direct)
    #expect(ConvolutionKernels.forwardPath(Self.cases[7].geometry, filters: 6, groups: 1) == .direct)
    #expect(ConvolutionKernels.forwardPath(stem, filters: 16, groups: 2) == .im2col)
    #expect(ConvolutionKernels.forwardPath(Self.cases[5].geometry, filters: 9, groups: 1) == .implicitGEMM)
    #expect(ConvolutionKernels.usesDirectInputGradient(stem, filters: 16, groups: 1))
    #expect(!ConvolutionKernels.usesDirectInputGradient(stem, filters: 16, groups: 2))
    #expect(!ConvolutionKernels.usesDirectInputGradient(Self.cases[4].geometry, filters: 7, groups: 1))
    #expect(!ConvolutionKernels.usesDirectInputGradient(Self.cases[10].geometry, filters: 3, groups: 1))
  }
}
