/// Element type of a tensor. Activations and parameters are float32; token ids
/// and class-index targets are int32.
public enum DType: String, Sendable, Hashable, Codable {
  case float32, int32
}

/// The static type of an IR value: element type and (possibly symbolic) shape.
public struct TensorType: Hashable, Sendable, CustomStringConvertible {
  public var shape: Shape
  public var dtype: DType

  public init(_ shape: Shape, _ dtype: DType = .float32) {
    self.shape = shape
    self.dtype = dtype
  }

  public var rank: Int { shape.count }

  public var description: String {
    dtype == .float32 ? shape.shapeDescription : "\(dtype.rawValue)\(shape.shapeDescription)"
  }
}
