/// Transposed 2-D convolution (PyTorch's `ConvTranspose2d`) of `[batch, C, H, W]`
/// into `[batch, F, oh, ow]`, in `groups` groups, with an optional bias and
/// activation; a 1-d one is the same with a height of 1.
///
/// A transposed convolution is the adjoint of a convolution, so it runs on the
/// convolution's machinery with the roles of the passes swapped: its forward
/// pass is a convolution's input gradient (one GEMM `columns = Wᵀ * x` per
/// group, scattered onto the output by col2im) and its input gradient is a
/// convolution's forward pass (im2col of `dy`, then `dx = W * columns`).
///
/// `geometry` is that convolution, from the transposed one's output to its
/// input: `channels`, `height` and `width` are `F`, `oh` and `ow`, and
/// `outputHeight`/`outputWidth` are the input's `H` and `W` (output rows and
/// columns that `output_padding` adds past the last window get the bias only).
/// The weight is PyTorch's `[C, F / groups, kh, kw]`, which is that
/// convolution's weight `[C, (F / groups) * kh * kw]`. Samples run one at a
/// time, each GEMM and col2im on the pool.
public enum TransposedConvolutionKernels {
  /// Workspace floats per sample: one sample's columns (`F * kh * kw` x `H * W`)
  /// and, for the backward pass, its pre-activation gradient (`F * oh * ow`).
  public static func workspace(_ g: ConvolutionGeometry) -> Int {
    g.columnRows * g.outputPositions + g.channels * g.height * g.width
  }

  /// Per sample: per group `columns = Wᵀ * x`, col2im onto the output, plus
  /// the bias; then the activation, keeping the pre-activation in
  /// `preActivation` when given (for an activation whose derivative needs it).
  public static func forward(
    y: UnsafeMutablePointer<Float>, preActivation: UnsafeMutablePointer<Float>?,
    workspace: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, batch: Int, geometry g: ConvolutionGeometry, inputChannels: Int, groups: Int,
    activation: ActivationKernel?, pool: ComputePool
  ) {
    let (inputPlane, outputPlane, filters) = (g.outputPositions, g.height * g.width, g.channels)
    let (depth, groupChannels) = (g.columnRows / groups, inputChannels / groups)
    for sample in 0..<batch {
      let input = x + sample * inputChannels * inputPlane
      nonisolated(unsafe) let z = (preActivation ?? y) + sample * filters * outputPlane
      nonisolated(unsafe) let out = y + sample * filters * outputPlane
      for group in 0..<groups {
        GEMM.sgemm(
          transposeA: true, m: depth, n: inputPlane, k: groupChannels,
          a: weight + group * groupChannels * depth, lda: depth,
          b: input + group * groupChannels * inputPlane, ldb: inputPlane,
          c: workspace + group * depth * inputPlane, ldc: inputPlane, pool: pool)
      }
      g.col2im(workspace, batch: 1, into: z, accumulate: false, pool: pool)
      guard bias != nil || activation != nil else { continue }
      pool.parallelRanges(filters, grain: max(1, 16_384 / max(1, outputPlane))) { planes in
        for filter in planes {
          let plane = z + filter * outputPlane
          if let b = bias?[filter] {
            for i in 0..<outputPlane { plane[i] += b }
          }
          if let activation {
            activation.forward(plane, out + filter * outputPlane, count: outputPlane)
          } else if plane != out + filter * outputPlane {
            (out + filter * outputPlane).update(from: plane, count: outputPlane)
          }
        }
      }
    }
  }

  /// The gradients of ``forward(y:preActivation:workspace:x:weight:bias:batch:geometry:inputChannels:groups:activation:pool:)``:
  /// per sample `dZ` (`dy` through the activation's derivative, which reads
  /// `preActivation` or the output `y` as ``ActivationKernel/needsInput``
  /// says), `dBias` its plane sums, im2col of `dZ`, then per group
  /// `dW += x * columnsᵀ` and `dx = W * columns`. A nil gradient is skipped;
  /// each is added into when its `accumulate` flag is set.
  public static func backward(
    dx: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?,
    workspace: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    y: UnsafePointer<Float>?, preActivation: UnsafePointer<Float>?, dy: UnsafePointer<Float>, batch: Int,
    geometry g: ConvolutionGeometry, inputChannels: Int, groups: Int, activation: ActivationKernel?,
    accumulateInput: Bool, accumulateWeight: Bool, accumulateBias: Bool, pool: ComputePool
  ) {
    guard dx != nil || dWeight != nil || dBias != nil else { return }
    let (inputPlane, outputPlane, filters) = (g.outputPositions, g.height * g.width, g.channels)
    let (depth, groupChannels) = (g.columnRows / groups, inputChannels / groups)
    let columns = workspace
    nonisolated(unsafe) let gradient = workspace + g.columnRows * inputPlane
    for sample in 0..<batch {
      let offset = sample * filters * outputPlane
      nonisolated(unsafe) let source = dy + offset
      let dz: UnsafePointer<Float>
      if let activation {
        let (saved, output) = (preActivation.map { $0 + offset }, y.map { $0 + offset })
        nonisolated(unsafe) let (input, result) = (
          activation.needsInput ? saved : nil, activation.needsInput ? nil : output
        )
        pool.parallelRanges(filters, grain: max(1, 16_384 / max(1, outputPlane))) { planes in
          for filter in planes {
            let at = filter * outputPlane
            activation.backward(
              input: input.map { $0 + at }, output: result.map { $0 + at }, source + at, gradient + at,
              count: outputPlane, accumulate: false)
          }
        }
        dz = UnsafePointer(gradient)
      } else {
        dz = source
      }
      if let dBias {
        for filter in 0..<filters {
          let sum = Reductions.sum(dz + filter * outputPlane, count: outputPlane)
          if sample == 0 && !accumulateBias { dBias[filter] = sum } else { dBias[filter] += sum }
        }
      }
      guard dx != nil || dWeight != nil else { continue }
      g.im2col(dz, batch: 1, into: columns, pool: pool)
      let input = x + sample * inputChannels * inputPlane
      for group in 0..<groups {
        let w = group * groupChannels * depth
        let channels = group * groupChannels * inputPlane
        let groupColumns = columns + group * depth * inputPlane
        if let dWeight {
          GEMM.sgemm(
            transposeB: true, m: groupChannels, n: depth, k: inputPlane, a: input + channels, lda: inputPlane,
            b: groupColumns, ldb: inputPlane, beta: sample == 0 && !accumulateWeight ? 0 : 1, c: dWeight + w,
            ldc: depth, pool: pool)
        }
        if let dx {
          GEMM.sgemm(
            m: groupChannels, n: inputPlane, k: depth, a: weight + w, lda: depth, b: groupColumns, ldb: inputPlane,
            beta: accumulateInput ? 1 : 0, c: dx + sample * inputChannels * inputPlane + channels, ldc: inputPlane,
            pool: pool)
        }
      }
    }
  }
}
