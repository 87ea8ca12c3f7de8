import NetSpecDiagnostics

/// Index of a value (a tensor) in a ``Graph``.
public typealias ValueID = Int
/// Index of a node (an op application) in a ``Graph``.
public typealias NodeID = Int
/// Index of a parameter in a ``Graph``.
public typealias ParameterID = Int

/// A tensor produced by a node or fed from outside.
public struct Value: Sendable {
  public enum Role: Sendable, Equatable {
    /// A model input declared under `inputs:`.
    case input
    /// A training target (a label) compared by the loss.
    case target
    /// Produced by a node.
    case activation(NodeID)
  }

  public var name: String
  public var type: TensorType
  public var role: Role
  /// Where the value is defined (the layer or the input declaration).
  public var span: SourceSpan?
}

/// One op application in the graph.
public struct Node: Sendable {
  /// Unique, dot-qualified name (`layer1.0.conv1`).
  public var name: String
  public var op: any Operator
  public var inputs: [ValueID]
  public var outputs: [ValueID]
  /// The node's parameters by local name (`weight`); tied parameters point at
  /// another node's parameter.
  public var parameters: [(name: String, id: ParameterID)]
  /// Non-trainable state (batchnorm running statistics) by local name.
  public var buffers: [(name: String, id: ParameterID)]
  public var flops: Dim
  /// Where the layer is written (its op key).
  public var span: SourceSpan?
  /// The op's validated attributes, defaults included, with the spans of
  /// those written in the spec.
  public var attributes: Attributes

  public var opName: String { type(of: op).schema.name }
}

/// A trainable tensor (or a buffer) owned by one node and possibly shared.
public struct Parameter: Sendable {
  /// Unique name, e.g. `conv1.weight`; also the safetensors tensor name.
  public var name: String
  public var shape: [Int]
  public var initializer: Initializer
  public var owner: NodeID
  /// False for frozen layers and for buffers.
  public var trainable: Bool
  public var isBuffer: Bool

  public var count: Int { shape.reduce(1, *) }
}

/// The IR of a model: values, nodes in topological (spec) order, parameters,
/// and, when the spec trains, the loss.
public struct Graph: Sendable {
  public var values: [Value] = []
  public var nodes: [Node] = []
  public var parameters: [Parameter] = []
  /// Model inputs, in declaration order.
  public var inputs: [ValueID] = []
  /// Model outputs (by default the last layer's output).
  public var outputs: [ValueID] = []
  /// The scalar loss value, when `train.loss` is given: the one term's
  /// output, or the weighted sum of the terms (``LossSum``).
  public var loss: ValueID?
  /// One term of `train.loss`: its loss node, its name in the metrics
  /// (`train_loss_<name>`) and its weight in the sum.
  public struct LossTerm: Sendable, Equatable {
    public var node: NodeID
    public var name: String
    public var weight: Double
  }
  /// The terms of the loss, in the order written.
  public var lossTerms: [LossTerm] = []
  /// The node of the first term that scores a prediction against a target
  /// (else of the first term); its first input is the prediction the metrics
  /// (accuracy, MSE) and `predict` read.
  public var lossNode: Node? {
    let scoring = lossTerms.first { nodes[$0.node].op is any LossOperator } ?? lossTerms.first
    return scoring.map { nodes[$0.node] }
  }
  /// Targets the loss compares against (from the data).
  public var targets: [ValueID] = []
  /// The block each block instance expands, by the instance's qualified name
  /// (`layer1.0` -> `basic`); its nodes' names start with that name and a dot.
  public var blockInstances: [String: String] = [:]

  public init() {}

  /// The node that is the only reader of `value` and reads nothing else, when
  /// `value` is also not a model output or the loss: the shape that lets a
  /// producer and its consumer be fused without anyone else seeing the value
  /// between them.
  public func soleConsumer(of value: ValueID) -> NodeID? {
    guard !outputs.contains(value), value != loss else { return nil }
    let readers = nodes.indices.filter { nodes[$0].inputs.contains(value) }
    guard readers.count == 1, nodes[readers[0]].inputs == [value] else { return nil }
    return readers[0]
  }

  /// The value named `name`, if any.
  public func value(named name: String) -> ValueID? {
    values.indices.first { values[$0].name == name }
  }

  /// Trainable parameter count, each shared parameter counted once.
  public var parameterCount: Int {
    parameters.filter { !$0.isBuffer }.reduce(0) { $0 + $1.count }
  }

  /// Trainable parameter count (`trainable: false` layers left out), each
  /// shared parameter counted once: what `expect.params` pins.
  public var trainableParameterCount: Int {
    parameters.filter(\.trainable).reduce(0) { $0 + $1.count }
  }

  /// Forward FLOPs of the model (excluding the loss).
  public var forwardFLOPs: Dim {
    nodes.filter { !($0.op is any ObjectiveOperator) }.reduce(Dim(0)) { $0.adding($1.flops) ?? $0 }
  }
}
