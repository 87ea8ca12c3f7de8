/// Which algorithm a convolution's backward pass runs, decided once from the
/// static shapes and from whether the kernel sees them as compile-time
/// constants (``init(_:groups:constantGeometry:)``), by the one function both
/// the interpreter and the emitted code call, for the gradients that no newer
/// kernel takes over: ``ConvolutionWeightGradient`` computes `dW` and `dBias`
/// and the direct convolution computes a stride-1 `dx` where they apply. The
/// forward pass has its own choice (``ConvolutionKernels/forwardPath(_:filters:groups:)``).
public enum ConvolutionVariant: Sendable, Equatable {
  /// im2col + GEMM: `dW += dZ * columnsᵀ`, `dColumns = Wᵀ * dZ` scattered by col2im.
  case im2col
  /// Direct loops over the taps (``ConvolutionKernels``), for few taps per output
  /// (e.g. a first layer on 1- or 3-channel images): there the weight gradient is
  /// a product with a tiny output (`F x C*kh*kw`) and a huge reduction (every
  /// position of the batch), which the GEMM runs on one thread after writing the
  /// whole column matrix; the direct loops read the input in place and split over
  /// filters (dW) and samples (dX).
  case direct

  /// The most taps per output (`C * kh * kw`) for which the direct form is used.
  public static let maximumTaps = 32

  /// The variant for a convolution of geometry `g` in `groups` groups: direct
  /// for an ungrouped, undilated convolution with a real window (a 1x1
  /// convolution's columns are its input, so im2col costs nothing there) and
  /// at most ``maximumTaps`` taps, when `constantGeometry` (emitted code, whose
  /// ``ConvolutionShape`` makes every row bound a literal). With sizes known
  /// only at run time (the interpreter) the direct form's short rows end in
  /// scalar remainder loops, and im2col + GEMM is faster: for LeNet-5's first
  /// layer, 107 against 118 million instructions per training step, and
  /// 89 million for the direct form with constants (callgrind, AVX2 build).
  public init(_ g: ConvolutionGeometry, groups: Int, constantGeometry: Bool) {
    let direct =
      constantGeometry && groups == 1 && g.dilationHeight == 1 && g.dilationWidth == 1
      && g.columnRows <= Self.maximumTaps && g.kernelHeight * g.kernelWidth > 1
    self = direct ? .direct : .im2col
  }

  /// This variant as a Swift expression, for emitted code (`.direct`).
  public var swiftLiteral: String { self == .direct ? ".direct" : ".im2col" }
}
