import NetSpecKernels
import Testing

/// The ungrouped layer shapes the convolution kernels' tests share
/// (DirectConvolutionTests, ImplicitConvolutionTests), the plain loops they are
/// checked against, and the forward check both run.
enum ConvolutionShapeTable {
  typealias Case = ConvolutionKernelTests.Case

  /// An ungrouped `kernel x kernel` (or `kernel x kernelWidth`) layer.
  static func shape(
    _ channels: Int, _ height: Int, _ width: Int, filters: Int, kernel: Int, kernelWidth: Int? = nil, stride: Int = 1,
    padding: Int, dilation: Int = 1
  ) -> Case {
    Case(
      channels: channels, height: height, width: width, filters: filters, kernelHeight: kernel,
      kernelWidth: kernelWidth ?? kernel, stride: stride, padding: padding, dilation: dilation, groups: 1)
  }

  /// Shapes that reach every tile, position vector, band, filter block and ragged
  /// edge of the direct convolution and every position panel, filter tile and
  /// depth block of the implicit GEMM.
  static let cases = [
    // ResNet's stem: 32-wide rows, two full vectors (one position panel) per row, two filter blocks.
    shape(3, 32, 32, filters: 16, kernel: 3, padding: 1),
    // 11-wide rows (one partial vector), 13 filters (a ragged block), 270 taps
    // (two depth blocks), 99 positions (panels spanning several rows, a last one 3 wide).
    shape(30, 9, 11, filters: 13, kernel: 3, padding: 1),
    // 5-wide rows: two rows per vector, 7 rows (the last vector has one row), 20 filters.
    shape(6, 7, 5, filters: 20, kernel: 3, padding: 1),
    // 35-wide rows: two full vectors and a 3-lane one; no padding.
    shape(2, 9, 37, filters: 3, kernel: 3, padding: 0),
    // Stride 2 with padding: 9-wide output rows.
    shape(3, 15, 17, filters: 7, kernel: 3, stride: 2, padding: 1),
    // Stride 2, dilation 2 and a non-square window.
    shape(2, 13, 10, filters: 5, kernel: 3, kernelWidth: 2, stride: 2, padding: 1, dilation: 2),
    // Stride 3 with padding wider than a tap: rows and columns wholly in the padding.
    shape(3, 10, 10, filters: 4, kernel: 3, stride: 3, padding: 2),
    // ResNet's 1x1 stride-2 shortcut, at an odd size.
    shape(16, 17, 17, filters: 9, kernel: 1, stride: 2, padding: 0),
    // 1x1 with a ragged last panel wider than a narrow one (7 x 9 positions).
    shape(4, 7, 9, filters: 20, kernel: 1, padding: 0),
    // 5x5 stride 2, padding 2: 6-wide rows, two per vector.
    shape(3, 11, 11, filters: 4, kernel: 5, stride: 2, padding: 2),
    // LeNet-5's layers: 5x5, 1 -> 6 with padding 2 (and without), and 6 -> 16 without.
    shape(1, 28, 28, filters: 6, kernel: 5, padding: 2),
    shape(1, 28, 28, filters: 6, kernel: 5, padding: 0),
    shape(6, 14, 14, filters: 16, kernel: 5, padding: 0),
    // Dilation 2.
    shape(2, 10, 12, filters: 5, kernel: 3, padding: 2, dilation: 2),
    // Padding wider than the kernel reaches: output rows and columns wholly in
    // the padding, and a negative padding for the input gradient.
    shape(2, 6, 7, filters: 3, kernel: 1, padding: 1),
    // One filter, 64 channels on 8x8 (ResNet's last stage, two rows per vector).
    shape(64, 8, 8, filters: 1, kernel: 3, padding: 1),
    // ResNet's last stage: 64 -> 64 on 8x8; at batch 1 on two threads, the
    // filter blocks split in two groups (the stem's too).
    shape(64, 8, 8, filters: 64, kernel: 3, padding: 1),
    // One filter block: at batch 1 on two threads, bands of rows.
    shape(8, 20, 20, filters: 6, kernel: 3, padding: 1),
    // Two-row vectors in bands of an even number of rows, the last band odd.
    shape(64, 7, 7, filters: 5, kernel: 3, padding: 1),
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

  /// A forward path's signature: ``ConvolutionKernels/directForward(y:preActivation:x:weight:bias:batch:geometry:filters:activation:pool:planeEpilogue:)``'s.
  typealias ForwardPath = (
    _ y: UnsafeMutablePointer<Float>, _ preActivation: UnsafeMutablePointer<Float>, _ x: [Float], _ weight: [Float],
    _ bias: [Float]?, _ activation: ActivationKernel?, _ pool: ComputePool,
    _ planeEpilogue: (Int, UnsafeMutablePointer<Float>) -> Void
  ) -> Void

  /// One combination of the forward check and the one-thread result it gave.
  struct ForwardResult {
    var activation: ActivationKernel?
    var withBias: Bool
    var y: [Float]
    var preActivation: [Float]
  }

  /// Checks `path` against plain loops on `c` at `batch`: with and without bias,
  /// with no activation, a fused ReLU and tanh (whose input is kept), on one and
  /// two threads (the same bits on both; on one, the plane epilogue in plane
  /// order). Returns the inputs it used and each combination's result.
  static func checkForward(_ c: Case, batch: Int, path: ForwardPath) -> (
    x: [Float], weight: [Float], bias: [Float], results: [ForwardResult]
  ) {
    let g = c.geometry
    let outputCount = batch * c.filters * g.outputPositions
    let x = randomValues(batch * c.channels * c.height * c.width, seed: 21)
    let weight = randomValues(c.filters * g.columnRows, seed: 22)
    let bias = randomValues(c.filters, seed: 23)
    let expected = plainForward(c, x: x, weight: weight, batch: batch)
    var checked: [ForwardResult] = []
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
          path(&y, &preActivation, x, weight, withBias ? bias : nil, activation, ComputePool(threadCount: threads)) {
            plane, _ in if threads == 1 { planes.append(plane) }  // one thread: in order, no race
          }
          #expect(threads > 1 || planes == Array(0..<batch * c.filters))
          #expect(relativeDifference(y, plainY) < 1e-5, "\(String(describing: activation)) bias \(withBias)")
          if activation != .relu { #expect(relativeDifference(preActivation, plain) < 1e-5) }
          results.append(y)
          results.append(preActivation)
        }
        // The same bits on one thread and on two.
        #expect(results[0] == results[2])
        #expect(results[1] == results[3])
        checked.append(
          ForwardResult(activation: activation, withBias: withBias, y: results[0], preActivation: results[1]))
      }
    }
    return (x, weight, bias, checked)
  }
}
