import NetSpecKernels
import Testing

/// The input gradient of strided convolutions by phases (StridedInputGradient.swift,
/// through ``ConvolutionKernels/convolvedInputGradient(dx:dz:filterMajor:weight:batch:geometry:filters:accumulate:workspace:pool:)``)
/// against plain loops in Double, written and accumulated, with `dZ` in either
/// variant's layout, on one and two threads; and the workspaces that
/// ``ConvolutionKernels`` asks for per path, which must hold what the passes write.
@Suite struct StridedInputGradientTests {
  struct Shape: Sendable, CustomStringConvertible {
    var geometry: ConvolutionGeometry
    var filters: Int
    var description: String {
      let g = geometry
      return "C\(g.channels) \(g.height)x\(g.width) F\(filters) k\(g.kernelHeight)x\(g.kernelWidth) "
        + "s\(g.strideHeight)x\(g.strideWidth) p\(g.padTop),\(g.padLeft) d\(g.dilationHeight)x\(g.dilationWidth)"
    }
  }

  static func shape(
    _ channels: Int, _ height: Int, _ width: Int, filters: Int, kernel: (Int, Int), stride: (Int, Int),
    padding: (Int, Int), dilation: (Int, Int) = (1, 1)
  ) -> Shape {
    func output(_ size: Int, _ k: Int, _ s: Int, _ p: Int, _ d: Int) -> Int { (size + 2 * p - d * (k - 1) - 1) / s + 1 }
    let g = ConvolutionGeometry(
      channels: channels, height: height, width: width, kernel: kernel, stride: stride, dilation: dilation,
      padTop: padding.0, padLeft: padding.1,
      outputHeight: output(height, kernel.0, stride.0, padding.0, dilation.0),
      outputWidth: output(width, kernel.1, stride.1, padding.1, dilation.1))
    return Shape(geometry: g, filters: filters)
  }

  static let shapes = [
    // ResNet's downsampling 3x3 (16 -> 32 at a smaller, odd size) and its 1x1 shortcut.
    shape(4, 9, 11, filters: 6, kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
    shape(5, 9, 8, filters: 7, kernel: (1, 1), stride: (2, 2), padding: (0, 0)),
    // Stride 3, 5x5, padding 0 and 1; 1x1 at stride 3 (two thirds of dX is zero).
    shape(3, 13, 14, filters: 4, kernel: (5, 5), stride: (3, 3), padding: (0, 0)),
    shape(3, 11, 10, filters: 5, kernel: (5, 5), stride: (3, 3), padding: (1, 1)),
    shape(2, 10, 7, filters: 3, kernel: (1, 1), stride: (3, 3), padding: (0, 0)),
    // Stride 2 with a 2x2 window (every phase has one tap), and 4x3 (uneven phases).
    shape(3, 8, 9, filters: 4, kernel: (2, 2), stride: (2, 2), padding: (0, 0)),
    shape(2, 9, 10, filters: 3, kernel: (4, 3), stride: (2, 2), padding: (1, 0)),
    // A stride along one axis only.
    shape(3, 7, 12, filters: 5, kernel: (3, 3), stride: (1, 2), padding: (1, 1)),
    // Dilation: 2 with stride 2 (taps of one parity), 3 with stride 2 (a dilated phase kernel).
    shape(2, 11, 12, filters: 3, kernel: (3, 3), stride: (2, 2), padding: (2, 2), dilation: (2, 2)),
    shape(2, 13, 11, filters: 4, kernel: (3, 3), stride: (2, 2), padding: (1, 3), dilation: (3, 3)),
    // Input rows and columns past the last window (they get zeros), and padding wider than the window.
    shape(3, 10, 10, filters: 2, kernel: (3, 3), stride: (3, 3), padding: (0, 0)),
    shape(2, 5, 6, filters: 3, kernel: (1, 1), stride: (2, 2), padding: (2, 2)),
  ]

  /// `dx` of the plain convolution in Double.
  static func plainInputGradient(_ s: Shape, dy: [Float], weight: [Float], batch: Int) -> [Float] {
    let g = s.geometry
    var dx = [Double](repeating: 0, count: batch * g.channels * g.height * g.width)
    for sample in 0..<batch {
      for f in 0..<s.filters {
        for oh in 0..<g.outputHeight {
          for ow in 0..<g.outputWidth {
            let output = ((sample * s.filters + f) * g.outputHeight + oh) * g.outputWidth + ow
            for c in 0..<g.channels {
              for i in 0..<g.kernelHeight {
                for j in 0..<g.kernelWidth {
                  let ih = oh * g.strideHeight + i * g.dilationHeight - g.padTop
                  let iw = ow * g.strideWidth + j * g.dilationWidth - g.padLeft
                  guard ih >= 0 && ih < g.height && iw >= 0 && iw < g.width else { continue }
                  let w = ((f * g.channels + c) * g.kernelHeight + i) * g.kernelWidth + j
                  dx[((sample * g.channels + c) * g.height + ih) * g.width + iw] +=
                    Double(dy[output]) * Double(weight[w])
                }
              }
            }
          }
        }
      }
    }
    return dx.map { Float($0) }
  }

  /// `dy` (`[batch, F, P]`) in the im2col variant's `[F, batch * P]` order.
  static func filterMajor(_ dy: [Float], _ s: Shape, batch: Int) -> [Float] {
    let plane = s.geometry.outputPositions
    return (0..<dy.count).map { index in
      let (filter, rest) = index.quotientAndRemainder(dividingBy: batch * plane)
      let (sample, position) = rest.quotientAndRemainder(dividingBy: plane)
      return dy[(sample * s.filters + filter) * plane + position]
    }
  }

  @Test(arguments: shapes, [1, 3])
  func phasesMatchPlainLoopsWrittenAndAccumulated(_ s: Shape, batch: Int) {
    let g = s.geometry
    let inputCount = batch * g.channels * g.height * g.width
    let weight = randomValues(s.filters * g.columnRows, seed: 41)
    let dy = randomValues(batch * s.filters * g.outputPositions, seed: 42)
    let plain = Self.plainInputGradient(s, dy: dy, weight: weight, batch: batch)
    var workspace = [Float](repeating: .nan, count: batch * StridedInputGradient.workspace(g))
    var results: [[Float]] = []
    for (dz, isFilterMajor) in [(dy, false), (Self.filterMajor(dy, s, batch: batch), true)] {
      for threads in [1, 2] {
        let pool = ComputePool(threadCount: threads)
        let (dx, deviation) = accumulationDeviation(count: inputCount) { dx, accumulate in
          ConvolutionKernels.convolvedInputGradient(
            dx: dx, dz: dz, filterMajor: isFilterMajor, weight: weight, batch: batch, geometry: g, filters: s.filters,
            accumulate: accumulate, workspace: &workspace, pool: pool)
        }
        #expect(relativeDifference(dx, plain) < 1e-5, "filter-major \(isFilterMajor), \(threads) threads")
        #expect(deviation < 1e-5)
        results.append(dx)
      }
    }
    // Whichever layout dZ has and however many threads: the same bits.
    #expect(results.allSatisfy { $0 == results[0] })
  }

  /// `backward` on a workspace of exactly ``ConvolutionKernels/backwardWorkspace(_:filters:groups:variant:)``
  /// floats per sample (a canary after it must survive), for every gradient and
  /// both variants; and the forward pass on ``ConvolutionKernels/forwardWorkspace(_:filters:groups:)``.
  @Test(
    arguments: shapes.filter { $0.geometry.dilationHeight == 1 } + [
      shape(3, 7, 6, filters: 4, kernel: (3, 3), stride: (1, 1), padding: (1, 1))
    ])
  func passesStayInsideTheirWorkspaces(_ s: Shape) {
    let (g, batch, canary) = (s.geometry, 3, Float(-12345))
    let inputCount = batch * g.channels * g.height * g.width
    let x = randomValues(inputCount, seed: 43)
    let weight = randomValues(s.filters * g.columnRows, seed: 44)
    let dy = randomValues(batch * s.filters * g.outputPositions, seed: 45)
    let plain = Self.plainInputGradient(s, dy: dy, weight: weight, batch: batch)
    let pool = ComputePool(threadCount: 2)
    let forwardSize = batch * ConvolutionKernels.forwardWorkspace(g, filters: s.filters, groups: 1)
    var forwardWorkspace = [Float](repeating: canary, count: forwardSize + 64)
    var y = [Float](repeating: 0, count: batch * s.filters * g.outputPositions)
    forwardWorkspace.withUnsafeMutableBufferPointer { buffer in
      ConvolutionKernels.forward(
        y: &y, preActivation: nil, workspace: forwardSize == 0 ? nil : buffer.baseAddress, x: x, weight: weight,
        bias: nil, batch: batch, geometry: g, filters: s.filters, groups: 1, activation: nil, pool: pool)
    }
    #expect(forwardWorkspace[forwardSize...].allSatisfy { $0 == canary })
    for variant in [ConvolutionVariant.im2col, .direct] {
      let size = batch * ConvolutionKernels.backwardWorkspace(g, filters: s.filters, groups: 1, variant: variant)
      var workspace = [Float](repeating: canary, count: size + 64)
      var dx = [Float](repeating: 0, count: inputCount)
      var dWeight = [Float](repeating: 0, count: weight.count)
      var dBias = [Float](repeating: 0, count: s.filters)
      ConvolutionKernels.backward(
        dx: &dx, dWeight: &dWeight, dBias: &dBias, workspace: &workspace, x: x, weight: weight, y: nil,
        preActivation: nil, dy: dy, batch: batch, geometry: g, filters: s.filters, groups: 1, activation: nil,
        variant: variant, accumulateInput: false, accumulateWeight: false, accumulateBias: false, pool: pool)
      #expect(workspace[size...].allSatisfy { $0 == canary }, "\(variant)")
      #expect(relativeDifference(dx, plain) < 1e-5, "\(variant)")
    }
  }

  /// Strided layers keep their variant's input gradient (the phases lost the
  /// A/B); the workspaces follow the paths.
  @Test func theShapeChoosesThePathAndTheWorkspace() {
    let down = Self.shapes[0].geometry
    #expect(!ConvolutionKernels.usesDirectInputGradient(down, filters: 6, groups: 1))
    // The direct forward reads no workspace; grouped im2col reads columns and result.
    #expect(ConvolutionKernels.forwardWorkspace(down, filters: 6, groups: 1) == 0)
    #expect(
      ConvolutionKernels.forwardWorkspace(down, filters: 6, groups: 2) == (down.columnRows + 6) * down.outputPositions)
    // Backward: dZ alone on the direct variant; im2col's columns for its dx.
    #expect(
      ConvolutionKernels.backwardWorkspace(down, filters: 6, groups: 1, variant: .direct) == 6 * down.outputPositions)
    #expect(
      ConvolutionKernels.backwardWorkspace(down, filters: 6, groups: 1, variant: .im2col)
        == (down.columnRows + 6) * down.outputPositions)
    // Stride 1 with the weight-gradient kernel: no columns on either variant.
    let stem = ConvolutionGeometry(
      channels: 3, height: 32, width: 32, kernel: (3, 3), stride: (1, 1), dilation: (1, 1), padTop: 1, padLeft: 1,
      outputHeight: 32, outputWidth: 32)
    #expect(ConvolutionKernels.backwardWorkspace(stem, filters: 16, groups: 1, variant: .im2col) == 16 * 1024)
    #expect(StridedInputGradient.workspace(down) == 4 * 5 * 6)
  }
}
