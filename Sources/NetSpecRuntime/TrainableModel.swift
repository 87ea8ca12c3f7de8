/// What the training loop needs of a model: buffers to load a batch into,
/// the forward and backward passes, the optimizer update, and the weights.
/// The interpreter conforms through `InterpreterModel` (in NetSpec); an
/// emitted model class conforms directly.
public protocol TrainableModel: AnyObject {
  /// The largest batch one pass takes.
  var batchCapacity: Int { get }
  /// The input buffer: `batchCapacity` samples, sample-major.
  var inputBuffer: UnsafeMutableBufferPointer<Float> { get }
  /// The loss target buffer: `batchCapacity` targets, sample-major.
  var targetBuffer: UnsafeMutableBufferPointer<Float> { get }
  /// The prediction the loss scores, from the last forward pass:
  /// `batchCapacity` samples of ``predictionStride`` values.
  var predictionBuffer: UnsafeMutableBufferPointer<Float> { get }
  /// Prediction values per sample.
  var predictionStride: Int { get }
  /// Every parameter (trainable ones, frozen ones and buffers such as running
  /// statistics), as the best epoch's weights are kept and restored.
  var parameterBuffer: UnsafeMutableBufferPointer<Float> { get }
  /// Runs the forward pass on the first `batch` samples of the buffers and
  /// returns the mean loss.
  func forward(batch: Int, training: Bool) -> Float
  /// Runs an inference pass on the first `batch` samples (validation,
  /// prediction): the forward pass with `training: false`, after which no
  /// backward pass runs, so the model may fold layers for it (a batchnorm
  /// into the convolution before it); returns the mean loss.
  func infer(batch: Int) -> Float
  /// Fills the gradients of the last forward pass's mean loss (not after ``infer(batch:)``).
  func backward(batch: Int)
  /// Clips the gradients when the spec says so and takes one optimizer step.
  func update(learningRate: Float)
  /// The targets the prediction is scored against for the metrics, after a
  /// forward pass; ``targetBuffer`` unless the loss compares the prediction
  /// with a model input (an autoencoder's reconstruction of its input).
  var scoredTargetBuffer: UnsafeMutableBufferPointer<Float> { get }
  /// The names of the terms of a loss with several (`train.loss` as a list),
  /// in order; empty for a loss of one term.
  var lossTermNames: [String] { get }
  /// Each term's value in the last forward pass, in ``lossTermNames``' order.
  var lossTermValues: [Float] { get }
}

extension TrainableModel {
  public var scoredTargetBuffer: UnsafeMutableBufferPointer<Float> { targetBuffer }
  public var lossTermNames: [String] { [] }
  public var lossTermValues: [Float] { [] }
}
