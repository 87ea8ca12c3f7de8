import NetSpecDiagnostics

/// Why a graph cannot be planned for execution.
public struct PlanningError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public var span: SourceSpan?
  /// The full diagnostic, when the graph fails a check at the bound sizes.
  var detail: Diagnostic?

  public var description: String { message }

  /// The error as a diagnostic.
  public var diagnostic: Diagnostic {
    detail ?? Diagnostic(.symbolicDimension, at: span, message)
  }
}

/// Builds an ``ExecutionPlan`` from a checked graph: binds symbolic dims, applies
/// the fusion rules (``FusionRules``), orders the forward and backward steps,
/// decides which gradients each step writes or accumulates, and places every
/// buffer in one arena by liveness.
public enum Planner {
  /// - Parameters:
  ///   - capacity: The largest batch the plan will run.
  ///   - bindings: Values of symbols other than `N` (e.g. `["T": 50]`).
  ///   - training: Plan the backward pass too.
  ///   - inputGradients: Also compute the gradients of the model's float inputs
  ///     (``Interpreter/gradient(of:)``), e.g. to compare them with another framework's.
  ///   - excludingFusions: Names of fusion rules not to apply (`batchnorm-fold`),
  ///     to compare a fused plan with the unfused one.
  public static func plan(
    _ graph: Graph, capacity: Int, bindings: [String: Int] = [:], training: Bool, inputGradients: Bool = false,
    excludingFusions: Set<String> = []
  ) throws(PlanningError) -> ExecutionPlan {
    if let violation = graph.violation(at: bindings) {
      // The message carries the location for callers that print only the message.
      let location = violation.span.map { "\($0): " } ?? ""
      throw PlanningError(message: location + violation.message, span: violation.span, detail: violation)
    }
    var builder = PlanBuilder(graph: graph, capacity: capacity, bindings: bindings, training: training)
    builder.inputGradients = inputGradients
    builder.rules = FusionRules.all.filter { !excludingFusions.contains($0.name) }
    return try builder.build()
  }
}

private struct PlanBuilder: FusionPlanning {
  let graph: Graph
  let capacity: Int
  let bindings: [String: Int]
  let training: Bool
  /// Whether the float graph inputs need gradients.
  var inputGradients = false
  /// The fusion rules to apply.
  var rules = FusionRules.all
  var buffers: [ExecutionPlan.Buffer] = []
  var valueBuffers: [ValueID: Int] = [:]
  var gradientBuffers: [ValueID: Int] = [:]

  init(graph: Graph, capacity: Int, bindings: [String: Int], training: Bool) {
    self.graph = graph
    self.capacity = capacity
    self.bindings = bindings
    self.training = training
  }

  /// Per-sample static shape of a value, and whether it has the batch axis.
  func layout(_ value: ValueID) throws(PlanningError) -> (shape: [Int], batched: Bool) {
    let v = graph.values[value]
    let shape = v.type.shape
    guard let first = shape.first else { return ([], false) }
    guard first == Dim.symbol("N") else {
      throw PlanningError(
        message: "`\(v.name)` has shape \(shape.shapeDescription): execution needs the batch `N` as its first axis",
        span: v.span)
    }
    var sizes: [Int] = []
    for dim in shape.dropFirst() {
      guard let size = dim.evaluate(bindings), size > 0 else {
        let missing = dim.symbols.filter { bindings[$0] == nil }
        throw PlanningError(
          message: missing.contains("N")
            ? "`\(v.name)` has shape \(shape.shapeDescription): the batch `N` may only be the first axis"
            : "`\(v.name)` has shape \(shape.shapeDescription): no value for \(missing.map { "`\($0)`" }.joined(separator: ", "))",
          span: v.span)
      }
      sizes.append(size)
    }
    return (sizes, true)
  }

  mutating func addBuffer(_ name: String, shape: [Int], batched: Bool, step: Int) -> Int {
    buffers.append(
      ExecutionPlan.Buffer(
        name: name, offset: 0, perSample: shape.reduce(1, *), batched: batched, shape: shape, firstUse: step,
        lastUse: step))
    return buffers.count - 1
  }

  func valueBuffer(_ value: ValueID) -> Int? { valueBuffers[value] }

  func gradientBuffer(_ value: ValueID) -> Int? { gradientBuffers[value] }

  mutating func use(_ buffer: Int, at step: Int) {
    buffers[buffer].firstUse = min(buffers[buffer].firstUse, step)
    buffers[buffer].lastUse = max(buffers[buffer].lastUse, step)
  }

  mutating func build() throws(PlanningError) -> ExecutionPlan {
    // Without training there are no targets: every loss node (each term of a list and their sum) is left out.
    let nodes = graph.nodes.indices.filter { training || !(graph.nodes[$0].op is any ObjectiveOperator) }
    // Graph inputs and targets live for the whole run.
    for id in graph.inputs + (training ? graph.targets : []) {
      let (shape, batched) = try layout(id)
      valueBuffers[id] = addBuffer(graph.values[id].name, shape: shape, batched: batched, step: 0)
    }
    let requiresGradient = training ? gradientRequirements() : []
    let onPath = graph.loss.map(valuesReaching) ?? []
    let hasBackward = Set(
      nodes.filter { id in
        training && graph.nodes[id].outputs.contains { requiresGradient.contains($0) && onPath.contains($0) }
      })
    let fusions = matchFusions(nodes, hasBackward: hasBackward)
    let absorbed = Set(fusions.filter(\.absorbsConsumer).flatMap(\.fusedNodes))
    var forward: [ExecutionPlan.Step] = []
    var forwardOfNode: [NodeID: ExecutionPlan.Step] = [:]
    // A training plan keeps the steps of an inference-only fusion's nodes (inference passes skip them) and
    // plans the producer's part last: another fusion among those nodes may still move their outputs.
    let kept = fusions.filter { $0.inferenceOnly && !$0.absorbsConsumer }
    var deferred: [(fusion: Fusion, step: Int, forwardIndex: Int)] = []
    for (stepIndex, nodeID) in nodes.enumerated() where !absorbed.contains(nodeID) {
      var step = try forwardStep(nodeID, index: stepIndex)
      for fusion in fusions where fusion.producer == nodeID && !rule(fusion).backwardOnly {
        if fusion.inferenceOnly && !fusion.absorbsConsumer {
          deferred.append((fusion, stepIndex, forward.count))
          continue
        }
        let arguments = try rule(fusion).producerForward(fusion, at: stepIndex, &self)
        step.fusions.append(try stepFusion(fusion, side: .producer, arguments: arguments))
      }
      for fusion in kept where fusion.fusedNodes.contains(nodeID) {
        step.fusions.append(try stepFusion(fusion, side: .consumer, arguments: []))
      }
      forward.append(step)
      forwardOfNode[nodeID] = step
    }
    for (fusion, stepIndex, forwardIndex) in deferred {
      let arguments = try rule(fusion).producerForward(fusion, at: stepIndex, &self)
      forward[forwardIndex].fusions.insert(try stepFusion(fusion, side: .producer, arguments: arguments), at: 0)
      forwardOfNode[fusion.producer] = forward[forwardIndex]
    }
    var backward: [ExecutionPlan.Step] = []
    if training, let loss = graph.loss {
      let lossGradient = addBuffer("d loss", shape: [], batched: false, step: nodes.count)
      gradientBuffers[loss] = lossGradient
      var written: Set<ValueID> = [loss]
      var writtenParameters: Set<ParameterID> = []
      for nodeID in nodes.reversed() where !absorbed.contains(nodeID) && hasBackward.contains(nodeID) {
        let index = nodes.count + backward.count
        let absorbing = fusions.contains { $0.producer == nodeID && $0.absorbsConsumer }
        var step = try backwardStep(
          nodeID, index: index, forward: forwardOfNode[nodeID]!, absorbing: absorbing,
          requiresGradient: requiresGradient, written: &written, writtenParameters: &writtenParameters)
        for fusion in fusions where fusion.consumer == nodeID && !fusion.inferenceOnly {
          let arguments = rule(fusion).consumerBackward(fusion, at: index, &self)
          step.fusions.append(try stepFusion(fusion, side: .consumer, arguments: arguments))
        }
        for fusion in fusions where fusion.producer == nodeID && !fusion.inferenceOnly {
          let forwardArguments = forwardOfNode[nodeID]!.fusion(fusion.rule, side: .producer)?.arguments ?? []
          let arguments = rule(fusion).producerBackward(fusion, forward: forwardArguments, at: index, &self)
          step.fusions.append(try stepFusion(fusion, side: .producer, arguments: arguments))
        }
        backward.append(step)
      }
    }
    let endStep = nodes.count + backward.count
    for output in graph.outputs + (graph.loss.map { [$0] } ?? []) {
      if let buffer = valueBuffers[output] { use(buffer, at: endStep) }
    }
    for id in graph.inputs + (training ? graph.targets : []) {
      if let buffer = valueBuffers[id] { use(buffer, at: endStep) }
    }
    // Input gradients are read after the backward pass.
    for id in graph.inputs {
      if let buffer = gradientBuffers[id] { use(buffer, at: endStep) }
    }
    let arenaSize = ArenaAllocator.place(&buffers, capacity: capacity)
    let (slots, trainableCount, parameterArenaSize) = parameterLayout()
    return ExecutionPlan(
      graph: graph, capacity: capacity, bindings: bindings, training: training, buffers: buffers,
      forwardSteps: forward, backwardSteps: backward, fusions: fusions, arenaSize: arenaSize, parameterSlots: slots,
      trainableCount: trainableCount, parameterArenaSize: parameterArenaSize, valueBuffers: valueBuffers,
      gradientBuffers: gradientBuffers)
  }

  /// The fusions of the planned nodes: for each producer whose output has a
  /// sole consumer, the first rule of ``FusionRules/all`` that matches their
  /// ops. A node absorbed by one fusion is no producer, a rule that changes
  /// only the backward pass needs both nodes to have backward steps, and an
  /// inference-only rule absorbs only in a plan that does not train: a
  /// training plan keeps the fused nodes' steps for passes that a backward
  /// pass may follow (gradients with the running statistics, as PyTorch's
  /// `eval()` mode gives them, need every step's outputs), and its inference
  /// passes skip them; a kept node may produce another fusion within the same
  /// nodes, which its training passes then use.
  func matchFusions(_ nodes: [NodeID], hasBackward: Set<NodeID>) -> [Fusion] {
    let planned = Set(nodes)
    var fusions: [Fusion] = []
    var absorbed: Set<NodeID> = []
    // The nodes of each inference-only fusion a training plan keeps steps for: a node among them
    // produces another fusion only within them (an inference pass skips them all).
    var kept: [Set<NodeID>] = []
    for producerID in nodes where !absorbed.contains(producerID) {
      guard let output = graph.nodes[producerID].outputs.first, let consumerID = graph.soleConsumer(of: output),
        planned.contains(consumerID)
      else { continue }
      let producer = graph.nodes[producerID].op
      let consumer = graph.nodes[consumerID].op
      let keptGroup = kept.first { $0.contains(producerID) }
      guard
        let rule = rules.first(where: { rule in
          rule.matches(producer: producer, consumer: consumer)
            && (!rule.backwardOnly || (hasBackward.contains(producerID) && hasBackward.contains(consumerID)))
            && (keptGroup == nil || rule.backwardOnly
              || keptGroup!.isSuperset(of: [consumerID] + rule.chain(after: consumerID, in: graph)))
        })
      else { continue }
      var fusion = Fusion(
        rule: rule.name, producer: producerID, consumer: consumerID,
        absorbsConsumer: rule.absorbsConsumer && !(rule.inferenceOnly && training))
      fusion.chain = rule.chain(after: consumerID, in: graph)
      fusion.inferenceOnly = rule.inferenceOnly
      fusions.append(fusion)
      if fusion.absorbsConsumer {
        absorbed.formUnion(fusion.fusedNodes)
      } else if rule.inferenceOnly {
        kept.append(Set(fusion.fusedNodes))
      }
    }
    return fusions
  }

  func rule(_ fusion: Fusion) -> any FusionRule { FusionRules.rule(named: fusion.rule)! }

  /// One side of `fusion` as a step sees it.
  func stepFusion(
    _ fusion: Fusion, side: ExecutionPlan.StepFusion.Side, arguments: [ExecutionPlan.FusedArgument]
  ) throws(PlanningError) -> ExecutionPlan.StepFusion {
    let partner = side == .producer ? fusion.consumer : fusion.producer
    var stepFusion = ExecutionPlan.StepFusion(
      rule: fusion.rule, side: side, partner: partner, partnerShapes: try shapes(partner), arguments: arguments)
    stepFusion.chain = fusion.chain
    return stepFusion
  }

  func executable(_ nodeID: NodeID) -> any ExecutableOperator {
    graph.nodes[nodeID].op as! any ExecutableOperator
  }

  func shapes(_ nodeID: NodeID) throws(PlanningError) -> OpShapes {
    let node = graph.nodes[nodeID]
    var inputs: [[Int]] = []
    for id in node.inputs { inputs.append(try layout(id).shape) }
    var outputs: [[Int]] = []
    for id in node.outputs { outputs.append(try layout(id).shape) }
    return OpShapes(
      inputs: inputs, outputs: outputs, parameters: node.parameters.map { graph.parameters[$0.id].shape })
  }

  mutating func forwardStep(_ nodeID: NodeID, index: Int) throws(PlanningError) -> ExecutionPlan.Step {
    let node = graph.nodes[nodeID]
    let op = executable(nodeID)
    let opShapes = try shapes(nodeID)
    let inputs = node.inputs.map { valueBuffers[$0]! }
    for buffer in inputs { use(buffer, at: index) }
    let outputs = try outputBuffers(nodeID, index: index)
    let saved = savedBuffers(nodeID, shapes: opShapes, index: index)
    let workspaceSize = op.workspace(opShapes)
    let workspace =
      workspaceSize > 0 ? addBuffer("\(node.name) workspace", shape: [workspaceSize], batched: true, step: index) : nil
    return ExecutionPlan.Step(
      node: nodeID, phase: .forward, index: index, shapes: opShapes, inputs: inputs, outputs: outputs, saved: saved,
      workspace: workspace, outputGradients: [], inputGradients: [], accumulateInput: [], accumulateParameter: [])
  }

  /// New buffers for a node's outputs, first used at step `index`; an output
  /// a fusion placed earlier (``ExecutionPlan/FoldedNormalization/output``)
  /// keeps its buffer.
  mutating func outputBuffers(_ nodeID: NodeID, index: Int) throws(PlanningError) -> [Int] {
    var outputs: [Int] = []
    for id in graph.nodes[nodeID].outputs {
      if let placed = valueBuffers[id] {
        use(placed, at: index)
        outputs.append(placed)
        continue
      }
      let (shape, batched) = try layout(id)
      let buffer = addBuffer(graph.values[id].name, shape: shape, batched: batched, step: index)
      valueBuffers[id] = buffer
      outputs.append(buffer)
    }
    return outputs
  }

  mutating func scratchBuffer(_ name: String, count: Int, index: Int) -> Int {
    addBuffer(name, shape: [count], batched: false, step: index)
  }

  mutating func alias(_ value: ValueID, to buffer: Int) { valueBuffers[value] = buffer }

  /// New buffers for the state a node's forward pass saves for its backward pass.
  mutating func savedBuffers(_ nodeID: NodeID, index: Int) throws(PlanningError) -> [Int] {
    savedBuffers(nodeID, shapes: try shapes(nodeID), index: index)
  }

  /// New buffers for the state a node's forward pass saves, given its shapes.
  mutating func savedBuffers(_ nodeID: NodeID, shapes: OpShapes, index: Int) -> [Int] {
    executable(nodeID).savedState(shapes).enumerated().map { i, count in
      addBuffer("\(graph.nodes[nodeID].name) saved \(i)", shape: [count], batched: true, step: index)
    }
  }

  /// Values from which the loss can be reached.
  func valuesReaching(_ loss: ValueID) -> Set<ValueID> {
    var reaching: Set<ValueID> = [loss]
    for node in graph.nodes.reversed() where node.outputs.contains(where: reaching.contains) {
      reaching.formUnion(node.inputs)
    }
    return reaching
  }

  /// Values whose gradient is needed: those that depend on a trainable parameter
  /// (or, with ``inputGradients``, on a float input).
  func gradientRequirements() -> Set<ValueID> {
    var requires: Set<ValueID> =
      inputGradients ? Set(graph.inputs.filter { graph.values[$0].type.dtype == .float32 }) : []
    for node in graph.nodes {
      let hasTrainable = node.parameters.contains { graph.parameters[$0.id].trainable }
      if hasTrainable || node.inputs.contains(where: requires.contains) {
        requires.formUnion(node.outputs)
      }
    }
    return requires
  }

  /// The backward step of a node; `absorbing` when the node absorbs its
  /// consumer in a fusion, whose rule then gives the output gradient.
  mutating func backwardStep(
    _ nodeID: NodeID, index: Int, forward: ExecutionPlan.Step, absorbing: Bool, requiresGradient: Set<ValueID>,
    written: inout Set<ValueID>, writtenParameters: inout Set<ParameterID>
  ) throws(PlanningError) -> ExecutionPlan.Step {
    let node = graph.nodes[nodeID]
    let op = executable(nodeID)
    let reads = op.backwardReads
    if reads.inputs { for buffer in forward.inputs { use(buffer, at: index) } }
    if reads.outputs { for buffer in forward.outputs { use(buffer, at: index) } }
    for buffer in forward.saved { use(buffer, at: index) }
    // Every output on a path to the loss has its gradient written by then;
    // an absorbing fusion's rule hands over the absorbed consumer's instead.
    // An output no later step reads (an `lstm`'s unused final state) gets a
    // gradient buffer the step zeroes first.
    var outputGradients: [Int] = []
    var zeroedOutputGradients: [Int] = []
    for (i, id) in node.outputs.enumerated() where !absorbing {
      if let buffer = gradientBuffers[id] {
        outputGradients.append(buffer)
      } else {
        let (shape, batched) = try layout(id)
        let buffer = addBuffer("d \(graph.values[id].name)", shape: shape, batched: batched, step: index)
        gradientBuffers[id] = buffer
        outputGradients.append(buffer)
        zeroedOutputGradients.append(i)
      }
    }
    for buffer in outputGradients { use(buffer, at: index) }
    var inputGradients: [Int?] = []
    var accumulateInput: [Bool] = []
    for id in node.inputs {
      guard requiresGradient.contains(id) else {
        inputGradients.append(nil)
        accumulateInput.append(false)
        continue
      }
      let buffer: Int
      if let existing = gradientBuffers[id] {
        buffer = existing
      } else {
        let (shape, batched) = try layout(id)
        buffer = addBuffer("d \(graph.values[id].name)", shape: shape, batched: batched, step: index)
        gradientBuffers[id] = buffer
      }
      use(buffer, at: index)
      inputGradients.append(buffer)
      accumulateInput.append(written.contains(id))
      written.insert(id)
    }
    var accumulateParameter: [Bool] = []
    for (_, parameter) in node.parameters {
      accumulateParameter.append(writtenParameters.contains(parameter))
      writtenParameters.insert(parameter)
    }
    let workspaceSize = op.backwardWorkspace(forward.shapes)
    let workspace =
      workspaceSize > 0
      ? addBuffer("\(node.name) backward workspace", shape: [workspaceSize], batched: true, step: index) : nil
    var step = ExecutionPlan.Step(
      node: nodeID, phase: .backward, index: index, shapes: forward.shapes, inputs: forward.inputs,
      outputs: forward.outputs,
      saved: forward.saved, workspace: workspace, outputGradients: outputGradients, inputGradients: inputGradients,
      accumulateInput: accumulateInput, accumulateParameter: accumulateParameter)
    step.zeroedOutputGradients = zeroedOutputGradients
    return step
  }

  /// Trainable parameters first, then frozen ones, then buffers, each aligned.
  func parameterLayout() -> ([ExecutionPlan.ParameterSlot], Int, Int) {
    var slots: [ExecutionPlan.ParameterSlot] = []
    var offset = 0
    let groups: [(Parameter) -> Bool] = [
      { $0.trainable && !$0.isBuffer }, { !$0.trainable && !$0.isBuffer }, { $0.isBuffer },
    ]
    var trainableCount = 0
    for (g, belongs) in groups.enumerated() {
      for (id, parameter) in graph.parameters.enumerated() where belongs(parameter) {
        slots.append(ExecutionPlan.ParameterSlot(parameter: id, offset: offset, count: parameter.count))
        offset += parameter.count
      }
      if g == 0 { trainableCount = offset }
    }
    return (slots.sorted { $0.parameter < $1.parameter }, trainableCount, offset)
  }
}
