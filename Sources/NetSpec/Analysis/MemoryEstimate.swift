/// How much memory a model needs at given dimension bindings (batch size,
/// sequence length), by category, in bytes. Every tensor is 4 bytes per
/// element (float32 activations and weights, int32 token ids and labels).
///
/// The formulas (also in docs/SUMMARY.md):
///
/// - `parameters` = 4 · (trainable + frozen parameters), shared (tied)
///   parameters once; `buffers` = 4 · buffer elements (batchnorm statistics).
/// - `gradients` = 4 · trainable parameters (frozen ones get none).
/// - `optimizerState` = 4 · slots · trainable parameters, where slots is 2 for
///   `adam` and `adamw` (first and second moments), 1 for `sgd` with momentum
///   (the velocity) and 0 for plain `sgd`; 0 when the spec has no `train:`.
/// - `forwardActivations` = 4 · Σ elements of every node output (the loss's
///   scalar included). No liveness-based reuse and no special case for views
///   (`flatten`, `reshape`): an upper bound on what a planned arena holds.
/// - `activations` = 2 · `forwardActivations`: training keeps the forward values
///   for the backward pass and a gradient of the same size for each.
/// - `inputs` = 4 · elements of one batch of the model inputs and loss targets.
/// - `training` = parameters + buffers + gradients + optimizerState +
///   activations + inputs; `inference` = parameters + buffers +
///   forwardActivations + inputs.
public struct MemoryEstimate: Sendable, Equatable {
  /// What the optimizer keeps per trainable parameter.
  public struct Optimizer: Sendable, Equatable {
    /// The optimizer's name in specs (`adam`, `sgd`).
    public var name: String
    /// float32 values of state per trainable parameter.
    public var slots: Int

    public init(name: String, slots: Int) {
      self.name = name
      self.slots = slots
    }

    /// The state the spec's optimizer keeps (``OptimizerSpec/Algorithm/stateSlots``).
    public init(_ spec: OptimizerSpec) {
      self.init(name: spec.name, slots: spec.algorithm.stateSlots)
    }
  }

  /// Bytes per tensor element: float32 and int32 alike.
  public static let bytesPerElement = 4

  /// The optimizer whose state is counted; nil when the spec does not train.
  public var optimizer: Optimizer?
  public var parameters: Int
  public var buffers: Int
  public var gradients: Int
  public var optimizerState: Int
  /// One forward pass's node outputs.
  public var forwardActivations: Int
  /// Forward values and their gradients while training: twice `forwardActivations`.
  public var activations: Int
  /// One batch of model inputs and loss targets.
  public var inputs: Int
  /// Everything a training step holds.
  public var training: Int
  /// Everything a forward pass holds.
  public var inference: Int

  /// The estimate from element counts; nil when a byte count overflows `Int`.
  ///
  /// - Parameters:
  ///   - trainableParameters: elements of the trainable parameters.
  ///   - frozenParameters: elements of the frozen (`trainable: false`) parameters.
  ///   - bufferElements: elements of non-trainable state such as running statistics.
  ///   - activationElements: elements of all node outputs of one forward pass.
  ///   - inputElements: elements of one batch of inputs and targets.
  ///   - optimizer: the training optimizer, or nil for a spec without `train:`.
  public init?(
    trainableParameters: Int, frozenParameters: Int, bufferElements: Int,
    activationElements: Int, inputElements: Int, optimizer: Optimizer?
  ) {
    func bytes(_ elements: Int, times factor: Int = 1) -> Int? {
      let (scaled, o1) = elements.multipliedReportingOverflow(by: factor)
      let (result, o2) = scaled.multipliedReportingOverflow(by: Self.bytesPerElement)
      return o1 || o2 ? nil : result
    }
    func sum(_ terms: [Int]) -> Int? {
      var total = 0
      for term in terms {
        let (s, o) = total.addingReportingOverflow(term)
        if o { return nil }
        total = s
      }
      return total
    }
    guard let parameters = sum([trainableParameters, frozenParameters]).flatMap({ bytes($0) }),
      let buffers = bytes(bufferElements),
      let gradients = bytes(trainableParameters),
      let optimizerState = bytes(trainableParameters, times: optimizer?.slots ?? 0),
      let forwardActivations = bytes(activationElements),
      let activations = bytes(activationElements, times: 2),
      let inputs = bytes(inputElements),
      let training = sum([parameters, buffers, gradients, optimizerState, activations, inputs]),
      let inference = sum([parameters, buffers, forwardActivations, inputs])
    else { return nil }
    self.optimizer = optimizer
    self.parameters = parameters
    self.buffers = buffers
    self.gradients = gradients
    self.optimizerState = optimizerState
    self.forwardActivations = forwardActivations
    self.activations = activations
    self.inputs = inputs
    self.training = training
    self.inference = inference
  }
}
