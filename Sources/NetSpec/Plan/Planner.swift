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

/// Builds an ``ExecutionPlan`` from a checked graph: binds symbolic dims, orders
/// the forward and backward steps, decides which gradients each step writes or
/// accumulates, and places every buffer in one arena by liveness.
public enum Planner {
  /// - Parameters:
  ///   - capacity: The largest batch the plan will run.
  ///   - bindings: Values of symbols other than `N` (e.g. `["T": 50]`).
  ///   - training: Plan the backward pass too.
  public static func plan(
    _ graph: Graph, capacity: Int, bindings: [String: Int] = [:], training: Bool
  ) throws(PlanningError) -> ExecutionPlan {
    if let violation = graph.violation(at: bindings) {
      // The message carries the location for callers that print only the message.
      let location = violation.span.map { "\($0): " } ?? ""
      throw PlanningError(message: location + violation.message, span: violation.span, detail: violation)
    }
    var builder = PlanBuilder(graph: graph, capacity: capacity, bindings: bindings, training: training)
    return try builder.build()
  }
}

private struct PlanBuilder {
  let graph: Graph
  let capacity: Int
  let bindings: [String: Int]
  let training: Bool
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

  mutating func use(_ buffer: Int, at step: Int) {
    buffers[buffer].firstUse = min(buffers[buffer].firstUse, step)
    buffers[buffer].lastUse = max(buffers[buffer].lastUse, step)
  }

  mutating func build() throws(PlanningError) -> ExecutionPlan {
    let nodes = graph.nodes.indices.filter { training || graph.nodes[$0].outputs.first != graph.loss }
    // Graph inputs and targets live for the whole run.
    for id in graph.inputs + (training ? graph.targets : []) {
      let (shape, batched) = try layout(id)
      valueBuffers[id] = addBuffer(graph.values[id].name, shape: shape, batched: batched, step: 0)
    }
    let fusions = poolingFusions(nodes)
    let fusedPools = Set(fusions.values)
    var forward: [ExecutionPlan.Step] = []
    var forwardOfNode: [NodeID: ExecutionPlan.Step] = [:]
    for (stepIndex, nodeID) in nodes.enumerated() where !fusedPools.contains(nodeID) {
      var step = try forwardStep(nodeID, index: stepIndex)
      if let poolID = fusions[nodeID] { step.fusedPooling = try fusedPooling(poolID, index: stepIndex) }
      forward.append(step)
      forwardOfNode[nodeID] = step
    }
    let requiresGradient = training ? gradientRequirements() : []
    var backward: [ExecutionPlan.Step] = []
    if training, let loss = graph.loss {
      let lossGradient = addBuffer("d loss", shape: [], batched: false, step: nodes.count)
      gradientBuffers[loss] = lossGradient
      var written: Set<ValueID> = [loss]
      var writtenParameters: Set<ParameterID> = []
      let onPath = valuesReaching(loss)
      for nodeID in nodes.reversed()
      where !fusedPools.contains(nodeID)
        && graph.nodes[nodeID].outputs.contains(where: { requiresGradient.contains($0) && onPath.contains($0) })
      {
        let index = nodes.count + backward.count
        backward.append(
          try backwardStep(
            nodeID, index: index, forward: forwardOfNode[nodeID]!,
            requiresGradient: requiresGradient, written: &written, writtenParameters: &writtenParameters))
      }
    }
    foldReLUMasks(&backward)
    let endStep = nodes.count + backward.count
    for output in graph.outputs + (graph.loss.map { [$0] } ?? []) {
      if let buffer = valueBuffers[output] { use(buffer, at: endStep) }
    }
    for id in graph.inputs + (training ? graph.targets : []) {
      if let buffer = valueBuffers[id] { use(buffer, at: endStep) }
    }
    let arenaSize = ArenaAllocator.place(&buffers, capacity: capacity)
    let (slots, trainableCount, parameterArenaSize) = parameterLayout()
    return ExecutionPlan(
      graph: graph, capacity: capacity, bindings: bindings, training: training, buffers: buffers,
      forwardSteps: forward, backwardSteps: backward, arenaSize: arenaSize, parameterSlots: slots,
      trainableCount: trainableCount, parameterArenaSize: parameterArenaSize, valueBuffers: valueBuffers,
      gradientBuffers: gradientBuffers)
  }

  /// Folds activation-gradient masks into backward GEMMs: where a dense
  /// layer with a fused ReLU feeds only another dense layer, the consumer's
  /// input-gradient GEMM applies the ReLU mask in its epilogue (keeping the
  /// product where the producer's output is positive), and the producer uses
  /// that gradient as its pre-activation gradient instead of masking it in a
  /// pass of its own. The gradient must be written once (one consumer, not a
  /// model output).
  func foldReLUMasks(_ backward: inout [ExecutionPlan.Step]) {
    let stepOfNode = Dictionary(uniqueKeysWithValues: backward.indices.map { (backward[$0].node, $0) })
    for (producerID, producer) in graph.nodes.enumerated() {
      guard let dense = producer.op as? Dense, dense.activation == .relu, let output = producer.outputs.first,
        let producerStep = stepOfNode[producerID], let consumerID = graph.soleConsumer(of: output),
        graph.nodes[consumerID].op is Dense, let consumerStep = stepOfNode[consumerID],
        backward[consumerStep].inputGradients[0] != nil, !backward[consumerStep].accumulateInput[0]
      else { continue }
      backward[consumerStep].inputGradientMask = valueBuffers[output]
      backward[producerStep].outputGradientMasked = true
    }
  }

  /// Pooling fused into convolutions: a convolution whose output feeds only
  /// a max or average pooling (and is not a model output) runs that pooling
  /// plane by plane in its output pass, and computes its pre-activation
  /// gradient straight from the pooled gradient, so the convolution's output
  /// gradient is never stored. Keys are convolutions, values their poolings.
  func poolingFusions(_ nodes: [NodeID]) -> [NodeID: NodeID] {
    let planned = Set(nodes)
    var fusions: [NodeID: NodeID] = [:]
    for convolutionID in nodes where graph.nodes[convolutionID].op is Conv2D {
      guard let output = graph.nodes[convolutionID].outputs.first, let poolingID = graph.soleConsumer(of: output),
        planned.contains(poolingID), graph.nodes[poolingID].op is any PlanePooling
      else { continue }
      fusions[convolutionID] = poolingID
    }
    return fusions
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
      node: nodeID, phase: .forward, shapes: opShapes, inputs: inputs, outputs: outputs, saved: saved,
      workspace: workspace, outputGradients: [], inputGradients: [], accumulateInput: [], accumulateParameter: [])
  }

  /// New buffers for a node's outputs, first used at step `index`.
  mutating func outputBuffers(_ nodeID: NodeID, index: Int) throws(PlanningError) -> [Int] {
    var outputs: [Int] = []
    for id in graph.nodes[nodeID].outputs {
      let (shape, batched) = try layout(id)
      let buffer = addBuffer(graph.values[id].name, shape: shape, batched: batched, step: index)
      valueBuffers[id] = buffer
      outputs.append(buffer)
    }
    return outputs
  }

  /// New buffers for the state a node's forward pass saves for its backward pass.
  mutating func savedBuffers(_ nodeID: NodeID, shapes: OpShapes, index: Int) -> [Int] {
    executable(nodeID).savedState(shapes).enumerated().map { i, count in
      addBuffer("\(graph.nodes[nodeID].name) saved \(i)", shape: [count], batched: true, step: index)
    }
  }

  /// The buffers of a pooling node fused into the convolution step `index`.
  mutating func fusedPooling(_ poolingID: NodeID, index: Int) throws(PlanningError) -> ExecutionPlan.FusedPooling {
    let poolingShapes = try shapes(poolingID)
    let output = try outputBuffers(poolingID, index: index)[0]
    let saved = savedBuffers(poolingID, shapes: poolingShapes, index: index).first
    return ExecutionPlan.FusedPooling(
      node: poolingID, shapes: poolingShapes, output: output, saved: saved, outputGradient: nil)
  }

  /// Values from which the loss can be reached.
  func valuesReaching(_ loss: ValueID) -> Set<ValueID> {
    var reaching: Set<ValueID> = [loss]
    for node in graph.nodes.reversed() where node.outputs.contains(where: reaching.contains) {
      reaching.formUnion(node.inputs)
    }
    return reaching
  }

  /// Values whose gradient is needed: those that depend on a trainable parameter.
  func gradientRequirements() -> Set<ValueID> {
    var requires: Set<ValueID> = []
    for node in graph.nodes {
      let hasTrainable = node.parameters.contains { graph.parameters[$0.id].trainable }
      if hasTrainable || node.inputs.contains(where: requires.contains) {
        requires.formUnion(node.outputs)
      }
    }
    return requires
  }

  mutating func backwardStep(
    _ nodeID: NodeID, index: Int, forward: ExecutionPlan.Step, requiresGradient: Set<ValueID>,
    written: inout Set<ValueID>, writtenParameters: inout Set<ParameterID>
  ) throws(PlanningError) -> ExecutionPlan.Step {
    let node = graph.nodes[nodeID]
    let op = executable(nodeID)
    let reads = op.backwardReads
    if reads.inputs { for buffer in forward.inputs { use(buffer, at: index) } }
    if reads.outputs { for buffer in forward.outputs { use(buffer, at: index) } }
    for buffer in forward.saved { use(buffer, at: index) }
    // Every output on a path to the loss has its gradient written by then; a
    // fused pooling's output stands for the convolution's.
    var fusedPooling = forward.fusedPooling
    var outputGradients: [Int] = []
    if var pooling = fusedPooling {
      let gradient = gradientBuffers[graph.nodes[pooling.node].outputs[0]]!
      pooling.outputGradient = gradient
      use(gradient, at: index)
      if let saved = pooling.saved { use(saved, at: index) }
      fusedPooling = pooling
    } else {
      outputGradients = node.outputs.map { gradientBuffers[$0]! }
      for buffer in outputGradients { use(buffer, at: index) }
    }
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
    let workspaceSize = op.workspace(forward.shapes)
    let workspace =
      workspaceSize > 0
      ? addBuffer("\(node.name) backward workspace", shape: [workspaceSize], batched: true, step: index) : nil
    var step = ExecutionPlan.Step(
      node: nodeID, phase: .backward, shapes: forward.shapes, inputs: forward.inputs, outputs: forward.outputs,
      saved: forward.saved, workspace: workspace, outputGradients: outputGradients, inputGradients: inputGradients,
      accumulateInput: accumulateInput, accumulateParameter: accumulateParameter)
    step.fusedPooling = fusedPooling
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
