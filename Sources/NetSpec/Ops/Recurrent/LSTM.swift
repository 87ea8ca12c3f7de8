/// Long short-term memory over `[N, T, I]` sequences, as
/// `torch.nn.LSTM(I, hidden, layers, batch_first=True)`: four gates (input,
/// forget, cell, output, stacked in that order along the weights' first axis).
public struct LSTM: Operator {
  public static let schema = OpSchema(
    name: "lstm", category: .recurrent,
    summary: "Long short-term memory over [N, T, features]: the hidden state at every step or the last.",
    attributes: Recurrence.attributes,
    primary: "hidden")

  public let hidden: Int
  public let layers: Int
  public let returns: RecurrentOutput

  public init(_ attributes: Attributes) {
    hidden = attributes.int("hidden")
    layers = attributes.int("layers")
    returns = attributes.string("returns").flatMap(RecurrentOutput.init(rawValue:)) ?? .sequences
  }

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    try Recurrence.infer(inputs, gates: 4, hidden: hidden, layers: layers, returns: returns)
  }
}
