import NetSpecKernels
import Testing

/// ``TransposedConvolutionKernels`` against plain loops over every product
/// `y[f, h * s + i * d - p, w * s + j * d - p] += x[c, h, w] * W[c, f, i, j]`:
/// the forward pass with and without activations, and every gradient written
/// and accumulated.
@Suite struct TransposedConvolutionKernelTests {
  struct Case: Sendable, CustomStringConvertible {
    var channels, height, width, filters, kernelHeight, kernelWidth, stride, padding, dilation: Int
    var outputPadding, groups: Int
    var description: String {
      "C\(channels) \(height)x\(width) F\(filters) k\(kernelHeight)x\(kernelWidth) s\(stride) p\(padding) "
        + "d\(dilation) op\(outputPadding) g\(groups)"
    }

    var outputHeight: Int {
      (height - 1) * stride - 2 * padding + dilation * (kernelHeight - 1) + outputPadding + 1
    }
    var outputWidth: Int { (width - 1) * stride - 2 * padding + dilation * (kernelWidth - 1) + outputPadding + 1 }

    /// The convolution this one transposes, from the output back to the input.
    var geometry: ConvolutionGeometry {
      ConvolutionGeometry(
        channels: filters, height: outputHeight, width: outputWidth, kernel: (kernelHeight, kernelWidth),
        stride: (stride, stride), dilation: (dilation, dilation), padTop: padding, padLeft: padding,
        outputHeight: height, outputWidth: width)
    }
  }

  static let cases = [
    Case(
      channels: 2, height: 3, width: 4, filters: 3, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 0,
      dilation: 1, outputPadding: 0, groups: 1),
    Case(
      channels: 3, height: 4, width: 3, filters: 2, kernelHeight: 2, kernelWidth: 2, stride: 2, padding: 0,
      dilation: 1, outputPadding: 0, groups: 1),
    Case(
      channels: 4, height: 3, width: 5, filters: 6, kernelHeight: 3, kernelWidth: 2, stride: 2, padding: 1,
      dilation: 1, outputPadding: 1, groups: 2),
    Case(
      channels: 2, height: 4, width: 4, filters: 2, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 2,
      dilation: 2, outputPadding: 1, groups: 1),
    Case(
      channels: 3, height: 1, width: 6, filters: 2, kernelHeight: 1, kernelWidth: 3, stride: 3, padding: 1,
      dilation: 1, outputPadding: 2, groups: 1),
  ]

  let batch = 2
  let pool = ComputePool(threadCount: 2)

  /// Calls `body(outputIndex, inputIndex, weightIndex)` for every product of the transposed convolution.
  func forEachProduct(_ c: Case, _ body: (Int, Int, Int) -> Void) {
    let (groupChannels, groupFilters) = (c.channels / c.groups, c.filters / c.groups)
    for sample in 0..<batch {
      for channel in 0..<c.channels {
        let group = channel / groupChannels
        for h in 0..<c.height {
          for w in 0..<c.width {
            let input = ((sample * c.channels + channel) * c.height + h) * c.width + w
            for local in 0..<groupFilters {
              let f = group * groupFilters + local
              for i in 0..<c.kernelHeight {
                for j in 0..<c.kernelWidth {
                  let (oh, ow) = (h * c.stride + i * c.dilation - c.padding, w * c.stride + j * c.dilation - c.padding)
                  guard oh >= 0, oh < c.outputHeight, ow >= 0, ow < c.outputWidth else { continue }
                  let output = ((sample * c.filters + f) * c.outputHeight + oh) * c.outputWidth + ow
                  body(output, input, ((channel * groupFilters + local) * c.kernelHeight + i) * c.kernelWidth + j)
                }
              }
            }
          }
        }
      }
    }
  }

  @Test(arguments: cases)
  func forwardAndBackwardMatchPlainLoops(_ c: Case) {
    let g = c.geometry
    let plane = c.outputHeight * c.outputWidth
    let inputCount = batch * c.channels * c.height * c.width
    let outputCount = batch * c.filters * plane
    let weightCount = c.channels * (c.filters / c.groups) * c.kernelHeight * c.kernelWidth
    let x = randomValues(inputCount, seed: 3)
    let weight = randomValues(weightCount, seed: 4)
    let bias = randomValues(c.filters, seed: 5)
    let dy = randomValues(outputCount, seed: 6)
    var z = (0..<outputCount).map { Double(bias[$0 / plane % c.filters]) }
    forEachProduct(c) { o, i, w in z[o] += Double(x[i]) * Double(weight[w]) }
    var workspace = [Float](repeating: .nan, count: batch * TransposedConvolutionKernels.workspace(g))

    for activation in [nil, ActivationKernel.relu, .tanh, .gelu(exact: false)] {
      var y = [Float](repeating: .nan, count: outputCount)
      var preActivation = [Float](repeating: .nan, count: outputCount)
      let keeps = activation?.needsInput == true
      preActivation.withUnsafeMutableBufferPointer { saved in
        TransposedConvolutionKernels.forward(
          y: &y, preActivation: keeps ? saved.baseAddress : nil, workspace: &workspace, x: x, weight: weight,
          bias: bias, batch: batch, geometry: g, inputChannels: c.channels, groups: c.groups,
          activation: activation, pool: pool)
      }
      let expectedZ = z.map(Float.init)
      var expectedY = expectedZ
      activation?.forward(expectedZ, &expectedY, count: outputCount)
      #expect(relativeDifference(y, expectedY) < 1e-5, "\(String(describing: activation))")
      if keeps { #expect(relativeDifference(preActivation, expectedZ) < 1e-5) }

      var dz = dy
      if let activation {
        activation.backward(input: expectedZ, output: y, dy, &dz, count: outputCount, accumulate: false)
      }
      var (dx, dw, db) = (
        [Double](repeating: 0, count: inputCount), [Double](repeating: 0, count: weightCount),
        [Double](repeating: 0, count: c.filters)
      )
      for o in 0..<outputCount { db[o / plane % c.filters] += Double(dz[o]) }
      forEachProduct(c) { o, i, w in
        dw[w] += Double(dz[o]) * Double(x[i])
        dx[i] += Double(dz[o]) * Double(weight[w])
      }
      for (target, expected) in [(0, dx), (1, dw), (2, db)] {
        let (gradient, deviation) = accumulationDeviation(count: expected.count) { gradient, accumulate in
          TransposedConvolutionKernels.backward(
            dx: target == 0 ? gradient : nil, dWeight: target == 1 ? gradient : nil,
            dBias: target == 2 ? gradient : nil, workspace: &workspace, x: x, weight: weight, y: y,
            preActivation: keeps ? expectedZ : nil, dy: dy, batch: batch, geometry: g, inputChannels: c.channels,
            groups: c.groups, activation: activation, accumulateInput: accumulate, accumulateWeight: accumulate,
            accumulateBias: accumulate, pool: pool)
        }
        let label = "\(String(describing: activation)) gradient \(target)"
        #expect(relativeDifference(gradient, expected.map(Float.init)) < 1e-4, "\(label)")
        #expect(deviation < 1e-4, "\(label)")
      }
    }
  }
}
