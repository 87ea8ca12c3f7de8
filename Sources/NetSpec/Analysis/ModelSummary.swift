/// The numbers `netspec summary` prints, computed from a checked spec at given
/// values of its shape symbols: per layer the output shape, parameters and
/// FLOPs; totals; and a ``MemoryEstimate``. No printing here (see
/// ``SummaryTable`` and ``ModelSummary/json``).
///
/// ```swift
/// let summary = try ModelSummary(spec, bindings: ["N": 8])
/// summary.parameters          // 2,410 for x: [N, 64] -> dense 32 -> dense 10
/// summary.layers[0].flops     // 32,768 = 8 · 2 · 64 · 32
/// summary.memory.training     // bytes for one training step at batch 8
/// ```
///
/// Parameters are counted once even when layers share them (`tie:`): a layer's
/// ``Layer/parameters`` are the ones it owns, and ``Layer/tiedParameters`` the
/// ones it borrows from an earlier layer, so the column sums to the total.
public struct ModelSummary: Sendable, Equatable {
  /// A model input or loss target at the bindings.
  public struct Tensor: Sendable, Equatable {
    public var name: String
    public var dtype: DType
    /// The shape as the spec declares it, e.g. `[N, 1, 28, 28]`.
    public var shape: Shape
    /// The shape at the bindings, e.g. `[8, 1, 28, 28]`.
    public var sizes: [Int]
  }

  /// One node of the graph.
  public struct Layer: Sendable, Equatable {
    /// The node's dot-qualified name (`layer1.0.conv1`).
    public var name: String
    /// The op's name (`conv2d`).
    public var op: String
    /// The (first) output's symbolic shape.
    public var outputShape: Shape
    /// The (first) output's shape at the bindings.
    public var outputSizes: [Int]
    /// Elements of the parameters this layer owns (trainable or frozen).
    public var parameters: Int
    /// Elements of the parameters it shares with an earlier layer (counted there).
    public var tiedParameters: Int
    /// Elements of its buffers (running statistics).
    public var buffers: Int
    /// Whether its own parameters are trained (false for `trainable: false`).
    public var trainable: Bool
    /// Forward FLOPs as a polynomial in the shape symbols.
    public var symbolicFLOPs: Dim
    /// Forward FLOPs at the bindings.
    public var flops: Int
    /// True for the `train.loss` node.
    public var isLoss: Bool
    /// Every output by its name, when the layer has several (an `lstm`'s
    /// `enc`, `enc.h`, `enc.c`; a `split`'s `gate.0`, `gate.1`); empty for
    /// one output, which the columns above describe.
    public var outputs: [Tensor] = []
  }

  /// One term of `train.loss`: its name in the metrics (`train_loss_<name>`),
  /// the layer that computes it and its weight in the objective.
  public struct LossTerm: Sendable, Equatable {
    public var name: String
    /// The loss layer's name (`loss_digit`, or `loss` for a lone term).
    public var layer: String
    public var weight: Double
  }

  /// The spec's `name:`, if any.
  public var name: String?
  /// The values of the symbols the graph uses (bindings of unused symbols are dropped).
  public var bindings: [String: Int]
  public var inputs: [Tensor]
  /// Loss targets the data provides (empty without `train.loss`).
  public var targets: [Tensor]
  /// Every node in graph order, the loss last when there is one.
  public var layers: [Layer]
  /// The terms of `train.loss` in the order written (empty without one).
  public var lossTerms: [LossTerm]
  /// All parameters, trainable and frozen, each shared one counted once.
  public var parameters: Int
  public var trainableParameters: Int
  public var frozenParameters: Int
  /// Elements of non-trainable state kept with the weights.
  public var buffers: Int
  /// Forward FLOPs of the model at the bindings, excluding the loss.
  public var flops: Int
  /// FLOPs of the loss node, when the spec has one.
  public var lossFLOPs: Int?
  public var memory: MemoryEstimate

  /// The summary of a checked spec; the optimizer comes from `train.optimizer`.
  public init(_ spec: CheckedSpec, bindings: [String: Int]) throws(SummaryError) {
    try self.init(
      graph: spec.graph, name: spec.document.name,
      optimizer: spec.document.train.map { MemoryEstimate.Optimizer($0.optimizer) },
      bindings: bindings)
  }

  /// The summary of `graph` at `bindings`. Throws when a symbol the graph uses
  /// has no binding or a count overflows.
  public init(
    graph: Graph, name: String?, optimizer: MemoryEstimate.Optimizer?, bindings: [String: Int]
  ) throws(SummaryError) {
    let used = Self.symbols(of: graph)
    let unbound = used.filter { bindings[$0.symbol] == nil }
    guard unbound.isEmpty else { throw .unboundSymbols(unbound) }
    let bindings = bindings.filter { binding in used.contains { $0.symbol == binding.key } }

    func evaluate(_ dim: Dim, _ what: @autoclosure () -> String) throws(SummaryError) -> Int {
      guard let value = dim.evaluate(bindings) else { throw .overflow(what()) }
      return value
    }
    func sizes(_ value: Value) throws(SummaryError) -> [Int] {
      var result: [Int] = []
      for dim in value.type.shape {
        result.append(try evaluate(dim, "the shape of `\(value.name)`"))
      }
      return result
    }
    func elements(_ value: Value) throws(SummaryError) -> Int {
      guard let count = value.type.shape.elementCount else { throw .overflow("the size of `\(value.name)`") }
      return try evaluate(count, "the size of `\(value.name)`")
    }
    func tensor(_ id: ValueID) throws(SummaryError) -> Tensor {
      let value = graph.values[id]
      return Tensor(name: value.name, dtype: value.type.dtype, shape: value.type.shape, sizes: try sizes(value))
    }

    var layers: [Layer] = []
    var activationElements = 0
    var flops = 0
    var lossFLOPs: Int?
    for (id, node) in graph.nodes.enumerated() {
      let own = node.parameters.map { graph.parameters[$0.id] }.filter { $0.owner == id }
      let tied = node.parameters.map { graph.parameters[$0.id] }.filter { $0.owner != id }
      let output = graph.values[node.outputs[0]]
      let nodeFLOPs = try evaluate(node.flops, "the FLOPs of `\(node.name)`")
      let isLoss = node.op is any ObjectiveOperator
      layers.append(
        Layer(
          name: node.name, op: node.opName, outputShape: output.type.shape, outputSizes: try sizes(output),
          parameters: own.reduce(0) { $0 + $1.count }, tiedParameters: tied.reduce(0) { $0 + $1.count },
          buffers: node.buffers.reduce(0) { $0 + graph.parameters[$1.id].count },
          trainable: own.allSatisfy(\.trainable), symbolicFLOPs: node.flops, flops: nodeFLOPs,
          isLoss: isLoss,
          outputs: node.outputs.count > 1 ? try node.outputs.map { (id) throws(SummaryError) in try tensor(id) } : []
        ))
      for value in node.outputs {
        activationElements = try Self.add(activationElements, try elements(graph.values[value]), "activation sizes")
      }
      if isLoss {
        lossFLOPs = try Self.add(lossFLOPs ?? 0, nodeFLOPs, "loss FLOPs")
      } else {
        flops = try Self.add(flops, nodeFLOPs, "the FLOPs total")
      }
    }

    var inputElements = 0
    for id in graph.inputs + graph.targets {
      inputElements = try Self.add(inputElements, try elements(graph.values[id]), "input sizes")
    }
    let weights = graph.parameters.filter { !$0.isBuffer }
    let trainable = weights.filter(\.trainable).reduce(0) { $0 + $1.count }
    let total = graph.parameterCount
    let buffers = graph.parameters.filter(\.isBuffer).reduce(0) { $0 + $1.count }
    guard
      let memory = MemoryEstimate(
        trainableParameters: trainable, frozenParameters: total - trainable, bufferElements: buffers,
        activationElements: activationElements, inputElements: inputElements, optimizer: optimizer)
    else { throw .overflow("the memory estimate") }

    self.name = name
    self.bindings = bindings
    self.inputs = try graph.inputs.map { (id) throws(SummaryError) in try tensor(id) }
    self.targets = try graph.targets.map { (id) throws(SummaryError) in try tensor(id) }
    self.layers = layers
    self.lossTerms = graph.lossTerms.map {
      LossTerm(name: $0.name, layer: graph.nodes[$0.node].name, weight: $0.weight)
    }
    self.parameters = total
    self.trainableParameters = trainable
    self.frozenParameters = total - trainable
    self.buffers = buffers
    self.flops = flops
    self.lossFLOPs = lossFLOPs
    self.memory = memory
  }

  /// The shape symbols `graph` uses, sorted, each with the first tensor (or
  /// layer's FLOPs) that mentions it.
  public static func symbols(of graph: Graph) -> [SymbolUse] {
    var uses: [String: String] = [:]
    for value in graph.values {
      for symbol in value.type.shape.flatMap(\.symbols) where uses[symbol] == nil {
        uses[symbol] = "`\(value.name)` \(value.type)"
      }
    }
    for node in graph.nodes {
      for symbol in node.flops.symbols where uses[symbol] == nil {
        uses[symbol] = "the FLOPs of `\(node.name)`"
      }
    }
    return uses.keys.sorted().map { SymbolUse(symbol: $0, firstUse: uses[$0]!) }
  }

  private static func add(_ a: Int, _ b: Int, _ what: String) throws(SummaryError) -> Int {
    let (sum, overflow) = a.addingReportingOverflow(b)
    if overflow { throw .overflow(what) }
    return sum
  }
}

/// A shape symbol and where a graph first uses it, for messages.
public struct SymbolUse: Sendable, Equatable {
  /// The symbol, e.g. `T`.
  public var symbol: String
  /// The tensor that first mentions it, e.g. "`tokens` int32[N, T]".
  public var firstUse: String
}

/// Why a summary cannot be computed at the given bindings.
public enum SummaryError: Error, Sendable, Equatable, CustomStringConvertible {
  /// Symbols the graph uses that have no value.
  case unboundSymbols([SymbolUse])
  /// A size or count does not fit in 64 bits at the bindings.
  case overflow(String)

  public var description: String {
    switch self {
    case .unboundSymbols(let uses):
      let list = uses.map { "`\($0.symbol)` (first used by \($0.firstUse))" }.joined(separator: ", ")
      return "no value for shape symbol\(uses.count == 1 ? "" : "s") \(list)"
    case .overflow(let what):
      return "\(what) overflows 64-bit integers at these sizes"
    }
  }
}
