/// Where a convolution kernel reads its geometry from. ``ConvolutionGeometry``
/// carries it as values (the interpreter's case). Emitted code declares, per
/// convolution, a type whose `geometry` is a literal: the kernels, specialized
/// for that type, then see constants even inside the bodies they hand to the
/// thread pool, where a captured value is opaque to the optimizer. Short rows
/// (LeNet's 28 columns) then run as straight vector code instead of loops with
/// scalar remainders.
public protocol ConvolutionShape: Sendable {
  /// The geometry; a literal in emitted code.
  var geometry: ConvolutionGeometry { get }
}

extension ConvolutionGeometry: ConvolutionShape {
  public var geometry: ConvolutionGeometry { self }
}
