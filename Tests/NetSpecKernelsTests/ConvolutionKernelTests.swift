import NetSpecKernels
import Testing

/// ``ConvolutionKernels`` and ``ConvolutionGeometry``'s im2col/col2im against
/// plain loops over the taps: the forward pass, and the backward pass by both
/// ``ConvolutionVariant``s where each applies, gradients written and accumulated.
@Suite struct ConvolutionKernelTests {
  struct Case: Sendable, CustomStringConvertible {
    var channels, height, width, filters, kernelHeight, kernelWidth, stride, padding, dilation, groups: Int
    var description: String {
      "C\(channels) \(height)x\(width) F\(filters) k\(kernelHeight)x\(kernelWidth) s\(stride) p\(padding) d\(dilation) g\(groups)"
    }

    var geometry: ConvolutionGeometry {
      ConvolutionGeometry(
        channels: channels, height: height, width: width, kernel: (kernelHeight, kernelWidth),
        stride: (stride, stride), dilation: (dilation, dilation), padTop: padding, padLeft: padding,
        outputHeight: (height + 2 * padding - dilation * (kernelHeight - 1) - 1) / stride + 1,
        outputWidth: (width + 2 * padding - dilation * (kernelWidth - 1) - 1) / stride + 1)
    }
  }

  static let cases = [
    Case(
      channels: 1, height: 7, width: 6, filters: 3, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1,
      dilation: 1, groups: 1),
    Case(
      channels: 2, height: 7, width: 8, filters: 4, kernelHeight: 2, kernelWidth: 3, stride: 2, padding: 1,
      dilation: 1, groups: 1),
    Case(
      channels: 4, height: 6, width: 5, filters: 4, kernelHeight: 3, kernelWidth: 2, stride: 1, padding: 2,
      dilation: 2, groups: 2),
    Case(
      channels: 8, height: 5, width: 5, filters: 3, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 0,
      dilation: 1, groups: 1),
  ]

  let batch = 3
  let pool = ComputePool(threadCount: 2)

  /// The input index under tap `(c, i, j)` of output `(oh, ow)` of `sample`, if inside.
  func inputIndex(_ g: ConvolutionGeometry, _ sample: Int, _ c: Int, _ i: Int, _ j: Int, _ oh: Int, _ ow: Int)
    -> Int?
  {
    let ih = oh * g.strideHeight + i * g.dilationHeight - g.padTop
    let iw = ow * g.strideWidth + j * g.dilationWidth - g.padLeft
    guard ih >= 0 && ih < g.height && iw >= 0 && iw < g.width else { return nil }
    return ((sample * g.channels + c) * g.height + ih) * g.width + iw
  }

  /// Calls `body(outputIndex, inputIndex, weightIndex)` for every product of the convolution.
  func forEachProduct(_ c: Case, _ body: (Int, Int, Int) -> Void) {
    let g = c.geometry
    let (groupChannels, groupFilters) = (c.channels / c.groups, c.filters / c.groups)
    for sample in 0..<batch {
      for f in 0..<c.filters {
        for oh in 0..<g.outputHeight {
          for ow in 0..<g.outputWidth {
            let output = ((sample * c.filters + f) * g.outputHeight + oh) * g.outputWidth + ow
            for local in 0..<groupChannels {
              let channel = f / groupFilters * groupChannels + local
              for i in 0..<c.kernelHeight {
                for j in 0..<c.kernelWidth {
                  guard let input = inputIndex(g, sample, channel, i, j, oh, ow) else { continue }
                  body(output, input, ((f * groupChannels + local) * c.kernelHeight + i) * c.kernelWidth + j)
                }
              }
            }
          }
        }
      }
    }
  }

  @Test(arguments: cases)
  func im2colMatchesPlainLoopsAndCol2imIsItsAdjoint(_ c: Case) {
    let g = c.geometry
    let x = randomValues(batch * c.channels * c.height * c.width, seed: 1)
    let positions = batch * g.outputPositions
    var columns = [Float](repeating: .nan, count: g.columnRows * positions)
    g.im2col(x, batch: batch, into: &columns, pool: pool)
    for row in 0..<g.columnRows {
      let (channelTap, j) = row.quotientAndRemainder(dividingBy: c.kernelWidth)
      let (channel, i) = channelTap.quotientAndRemainder(dividingBy: c.kernelHeight)
      for sample in 0..<batch {
        for oh in 0..<g.outputHeight {
          for ow in 0..<g.outputWidth {
            let expected = inputIndex(g, sample, channel, i, j, oh, ow).map { x[$0] } ?? 0
            #expect(columns[row * positions + (sample * g.outputHeight + oh) * g.outputWidth + ow] == expected)
          }
        }
      }
    }
    // <im2col(x), r> == <x, col2im(r)>, and col2im adds into dx when asked.
    let r = randomValues(columns.count, seed: 2)
    let (scattered, deviation) = accumulationDeviation(count: x.count) { dx, accumulate in
      g.col2im(r, batch: batch, into: dx, accumulate: accumulate, pool: pool)
    }
    let left = zip(columns, r).map { Double($0) * Double($1) }.reduce(0, +)
    let right = zip(x, scattered).map { Double($0) * Double($1) }.reduce(0, +)
    #expect(abs(left - right) < 1e-4 * max(1, abs(left)))
    #expect(deviation < 1e-5)
  }

  @Test(arguments: cases)
  func forwardAndBothBackwardVariantsMatchPlainLoops(_ c: Case) {
    let g = c.geometry
    let inputCount = batch * c.channels * c.height * c.width
    let outputCount = batch * c.filters * g.outputPositions
    let weightCount = c.filters * (c.channels / c.groups) * c.kernelHeight * c.kernelWidth
    let x = randomValues(inputCount, seed: 3)
    let weight = randomValues(weightCount, seed: 4)
    let bias = randomValues(c.filters, seed: 5)
    let dy = randomValues(outputCount, seed: 6)
    var z = [Double](repeating: 0, count: outputCount)
    for o in 0..<outputCount { z[o] = Double(bias[o / g.outputPositions % c.filters]) }
    forEachProduct(c) { o, i, w in z[o] += Double(x[i]) * Double(weight[w]) }
    var workspace = [Float](repeating: 0, count: batch * ConvolutionKernels.workspace(g, filters: c.filters))

    for activation in [nil, ActivationKernel.relu, .tanh, .gelu(exact: false)] {
      var y = [Float](repeating: 0, count: outputCount)
      var preActivation = [Float](repeating: 0, count: outputCount)
      var pooledPlanes: [Int] = []
      ConvolutionKernels.forward(
        y: &y, preActivation: &preActivation, workspace: &workspace, x: x, weight: weight, bias: bias, batch: batch,
        geometry: g, filters: c.filters, groups: c.groups, activation: activation, pool: ComputePool(threadCount: 1)
      ) { plane, _ in pooledPlanes.append(plane) }
      #expect(pooledPlanes == Array(0..<batch * c.filters))
      let preActivationExpected = z.map(Float.init)
      var expectedY = preActivationExpected
      activation?.forward(preActivationExpected, &expectedY, count: outputCount)
      #expect(relativeDifference(y, expectedY) < 1e-5, "\(String(describing: activation))")
      if activation != .relu {  // ReLU runs in the GEMM, before the pre-activation is kept
        #expect(relativeDifference(preActivation, preActivationExpected) < 1e-5)
      }

      // dZ = dY * f'(Z); dW, db and dX from it by plain loops.
      var dz = dy
      if let activation {
        activation.backward(input: preActivation, output: y, dy, &dz, count: outputCount, accumulate: false)
      }
      var (dx, dw, db) = (
        [Double](repeating: 0, count: inputCount), [Double](repeating: 0, count: weightCount),
        [Double](repeating: 0, count: c.filters)
      )
      for o in 0..<outputCount { db[o / g.outputPositions % c.filters] += Double(dz[o]) }
      forEachProduct(c) { o, i, w in
        dw[w] += Double(dz[o]) * Double(x[i])
        dx[i] += Double(dz[o]) * Double(weight[w])
      }
      let variants: [ConvolutionVariant] =
        ConvolutionVariant(g, groups: c.groups, constantGeometry: true) == .direct ? [.im2col, .direct] : [.im2col]
      for variant in variants {
        for (target, expected) in [(0, dx), (1, dw), (2, db)] {
          let (gradient, deviation) = accumulationDeviation(count: expected.count) { gradient, accumulate in
            ConvolutionKernels.backward(
              dx: target == 0 ? gradient : nil, dWeight: target == 1 ? gradient : nil,
              dBias: target == 2 ? gradient : nil, workspace: &workspace, x: x, weight: weight, y: y,
              preActivation: preActivation, dy: dy, batch: batch, geometry: g, filters: c.filters, groups: c.groups,
              activation: activation, variant: variant, accumulateInput: accumulate, accumulateWeight: accumulate,
              accumulateBias: accumulate, pool: pool)
          }
          let label = "\(variant) \(String(describing: activation)) gradient \(target)"
          #expect(relativeDifference(gradient, expected.map(Float.init)) < 1e-4, "\(label)")
          #expect(deviation < 1e-4, "\(label)")
        }
      }
    }
  }

  /// A geometry read through another ``ConvolutionShape`` type (emitted code
  /// declares one with a literal geometry per convolution).
  struct WrappedShape: ConvolutionShape {
    var geometry: ConvolutionGeometry
  }

  /// The direct variant gives the same bits whether the geometry comes as a
  /// value or through a shape type, for every case it applies to.
  @Test(arguments: cases.prefix(2))
  func theDirectVariantReadsAnyShapeType(_ c: Case) {
    let g = c.geometry
    let inputCount = batch * c.channels * g.height * g.width
    let outputCount = batch * c.filters * g.outputPositions
    let weightCount = c.filters * g.columnRows
    let x = (0..<inputCount).map { Float(($0 * 37) % 17) / 17 - 0.5 }
    let weight = (0..<weightCount).map { Float(($0 * 11) % 13) / 13 - 0.5 }
    let dy = (0..<outputCount).map { Float(($0 * 7) % 19) / 19 - 0.5 }
    var workspace = [Float](repeating: 0, count: batch * ConvolutionKernels.workspace(g, filters: c.filters))
    func gradients(_ shape: some ConvolutionShape) -> [[Float]] {
      var (dx, dw, db) = (
        [Float](repeating: 0, count: inputCount), [Float](repeating: 0, count: weightCount),
        [Float](repeating: 0, count: c.filters)
      )
      ConvolutionKernels.backward(
        dx: &dx, dWeight: &dw, dBias: &db, workspace: &workspace, x: x, weight: weight, y: nil, preActivation: nil,
        dy: dy, batch: batch, geometry: shape, filters: c.filters, groups: c.groups, activation: nil,
        variant: .direct, accumulateInput: false, accumulateWeight: false, accumulateBias: false, pool: pool)
      return [dx, dw, db]
    }
    #expect(gradients(g) == gradients(WrappedShape(geometry: g)))
  }

  /// Sizes known only at run time (the interpreter) always take im2col.
  @Test func runTimeGeometriesTakeIm2col() {
    for c in Self.cases {
      #expect(ConvolutionVariant(c.geometry, groups: c.groups, constantGeometry: false) == .im2col)
    }
  }

  @Test func theDirectVariantIsChosenForFewTapsOnly() {
    #expect(ConvolutionVariant(Self.cases[0].geometry, groups: 1, constantGeometry: true) == .direct)
    #expect(ConvolutionVariant(Self.cases[1].geometry, groups: 1, constantGeometry: true) == .direct)
    #expect(ConvolutionVariant(Self.cases[2].geometry, groups: 2, constantGeometry: true) == .im2col)
    #expect(ConvolutionVariant(Self.cases[3].geometry, groups: 1, constantGeometry: true) == .im2col)
  }
}
