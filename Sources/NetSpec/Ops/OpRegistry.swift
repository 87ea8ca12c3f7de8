/// Every op NetSpec knows, by name. Adding an op means writing its file and
/// adding its type here; every op-wide test iterates this list.
public enum OpRegistry {
  /// All op types, in documentation order.
  public static let all: [any Operator.Type] = [
    Dense.self, Conv2D.self, ConvTranspose2D.self, Conv1D.self, ConvTranspose1D.self,
    ReLU.self,
    Sigmoid.self, Tanh.self, Softmax.self, GELU.self, LeakyReLU.self, SiLU.self,
    ReLU6.self, HardTanh.self, HardSwish.self, HardSigmoid.self, Mish.self, Softplus.self, ELU.self, SELU.self,
    MaxPool2D.self, AvgPool2D.self, MaxPool1D.self, AvgPool1D.self, AdaptiveAvgPool2D.self, GlobalAvgPool.self,
    Flatten.self, Reshape.self, Transpose.self, Split.self, Upsample.self, Pad.self, PixelShuffle.self,
    PixelUnshuffle.self, AxisSlice.self, Select.self, Squeeze.self, Unsqueeze.self, Expand.self, MatMul.self,
    LearnedTensor.self, Constant.self,
    Concat.self, Add.self, Subtract.self, Multiply.self, Divide.self,
    Dropout.self, DropPath.self,
    BatchNorm.self, LayerNorm.self, LocalResponseNorm.self, GroupNorm.self, InstanceNorm.self, RMSNorm.self,
    Embedding.self, PositionalEncoding.self,
    MultiHeadAttention.self, Rotary.self,
    LSTM.self, GRU.self,
    Sum.self, Mean.self, Max.self, Exp.self, Log.self, Sqrt.self, Square.self, Neg.self, Abs.self,
    GaussianSample.self,
    MSELoss.self, CrossEntropyLoss.self, BinaryCrossEntropyLoss.self, KLDivergenceLoss.self,
  ]

  private static let byName: [String: any Operator.Type] = Dictionary(
    uniqueKeysWithValues: all.map { ($0.schema.name, $0) })

  /// The op type named `name`, if any.
  public static func op(named name: String) -> (any Operator.Type)? { byName[name] }

  /// All op names, sorted (for suggestions).
  public static var names: [String] { byName.keys.sorted() }

  /// Names of the ops `netspec compile` emits Swift for, in documentation order.
  static var emittableNames: [String] {
    all.filter { $0 is any EmittableOperator.Type }.map { $0.schema.name }
  }
}
