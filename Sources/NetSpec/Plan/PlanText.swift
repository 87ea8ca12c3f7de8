/// The text form of a graph (the IR) and of its execution plan: what
/// `netspec plan` prints, what the plan golden files pin, and what the header
/// of emitted code summarizes. It is stable: the same spec and options give
/// the same bytes (everything in id or step order; no addresses, no times).
///
/// ```
/// forward
///   0 hidden1: dense.forward
///       output  hidden1         @2048      4096
///       input   pixels          @0         2048
///       weight  hidden1.weight  params@0   8192
/// ```
public enum PlanText {
  /// The IR: values with their types and roles, nodes with their op, inputs,
  /// attributes (defaults included) and parameters, and the parameters.
  public static func graph(_ graph: Graph) -> String {
    var out = TextLines()
    describe(graph, &out)
    return out.text
  }

  /// The whole plan: its settings, the graph, the fusions, every step (forward
  /// then backward) with its kernel and arguments, the buffers with offsets,
  /// sizes and lifetimes, the parameter arena and the arena's size.
  public static func plan(_ plan: ExecutionPlan) -> String {
    var out = TextLines()
    out.line("plan: \(plan.training ? "training" : "inference"), capacity \(plan.capacity)")
    if !plan.bindings.isEmpty {
      out.line(
        "bindings: " + plan.bindings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
    }
    out.line()
    describe(plan.graph, &out)
    out.line()
    fusions(plan, &out)
    out.line()
    out.line("forward")
    for step in plan.forwardSteps { describe(step, plan, &out) }
    if plan.training {
      out.line()
      out.line("backward")
      for step in plan.backwardSteps { describe(step, plan, &out) }
    }
    out.line()
    buffers(plan, &out)
    out.line()
    parameters(plan, &out)
    out.line()
    out.line("arena: \(plan.arenaSize) floats (\(HumanUnits.bytes(plan.arenaSize * 4)))")
    return out.text
  }

  /// A few lines on the plan, for the header of emitted code: capacity, the
  /// fusions, the steps and the arenas, wrapped at `width` characters.
  public static func summary(_ plan: ExecutionPlan, width: Int = 100) -> [String] {
    let graph = plan.graph
    var lines = [
      "capacity \(plan.capacity), \(plan.training ? "training" : "inference"): "
        + "\(plan.forwardSteps.count) forward and \(plan.backwardSteps.count) backward steps"
    ]
    let fused = plan.fusions.map { fusion in
      "\(fusion.rule) " + ([fusion.producer] + fusion.fusedNodes).map { graph.nodes[$0].name }.joined(separator: " -> ")
    }
    lines += wrapped("fusions: ", fused.isEmpty ? ["none"] : fused, width: width)
    lines += wrapped("forward: ", plan.forwardSteps.map { graph.nodes[$0.node].name }, width: width)
    if plan.training {
      lines += wrapped("backward: ", plan.backwardSteps.map { graph.nodes[$0.node].name }, width: width)
    }
    lines.append(
      "arenas in floats: activations \(plan.arenaSize), parameters \(plan.parameterArenaSize) "
        + "(\(plan.trainableCount) trainable)")
    return lines
  }

  // MARK: - Graph

  private static func describe(_ graph: Graph, _ out: inout TextLines) {
    out.line("values")
    out.table(
      graph.values.indices.map { id in
        let value = graph.values[id]
        let role =
          switch value.role {
          case .input: "input"
          case .target: "target"
          case .activation(let node): "= n\(node)"
          }
        var notes: [String] = []
        if graph.outputs.contains(id) { notes.append("output") }
        if graph.loss == id { notes.append("loss") }
        return ["v\(id)", value.name, value.type.description, role] + notes
      }, indent: 2)
    out.line("nodes")
    for (id, node) in graph.nodes.enumerated() {
      let inputs = node.inputs.map { graph.values[$0].name }.joined(separator: ", ")
      let outputs = node.outputs.map { graph.values[$0].name }.joined(separator: ", ")
      var line = "  n\(id) \(outputs) = \(node.opName)(\(inputs))"
      let attributes = attributeText(node)
      if !attributes.isEmpty { line += " {\(attributes)}" }
      out.line(line)
      let owned = node.parameters + node.buffers
      if !owned.isEmpty {
        out.line("      " + owned.map { "\($0.name): p\($0.id)" }.joined(separator: ", "))
      }
    }
    if !graph.parameters.isEmpty {
      out.line("parameters")
      out.table(
        graph.parameters.indices.map { id in
          let parameter = graph.parameters[id]
          let kind = parameter.isBuffer ? "buffer" : parameter.trainable ? "trainable" : "frozen"
          return [
            "p\(id)", parameter.name, "[\(parameter.shape.map(String.init).joined(separator: ", "))]", kind,
            parameter.isBuffer ? "" : parameter.initializer.description,
          ]
        }, indent: 2)
    }
  }

  /// The node's attributes in its schema's order, defaults included.
  private static func attributeText(_ node: Node) -> String {
    type(of: node.op).schema.attributes.compactMap { spec in
      guard let value = node.attributes.values[spec.name] else { return nil }
      if case .null = value { return nil }
      return "\(spec.name): \(value)"
    }.joined(separator: ", ")
  }

  // MARK: - Plan

  private static func fusions(_ plan: ExecutionPlan, _ out: inout TextLines) {
    out.line("fusions")
    guard !plan.fusions.isEmpty else { return out.line("  none") }
    for fusion in plan.fusions {
      let nodes = plan.graph.nodes
      let fused = ([fusion.producer] + fusion.fusedNodes).map { nodes[$0].name }.joined(separator: " -> ")
      let how =
        fusion.absorbsConsumer ? " (absorbed)" : fusion.inferenceOnly ? " (inference passes only)" : ""
      out.line("  \(fusion.rule): \(fused)\(how)")
      if let rule = FusionRules.rule(named: fusion.rule) { out.line("      \(rule.summary)") }
    }
  }

  private static func describe(_ step: ExecutionPlan.Step, _ plan: ExecutionPlan, _ out: inout TextLines) {
    let node = plan.graph.nodes[step.node]
    let phase = step.phase == .forward ? "forward" : "backward"
    out.line("  \(step.index) \(node.name): \(node.opName).\(phase)")
    var rows: [[String]] = []
    func add(_ role: String, _ buffer: ExecutionPlan.BufferID, _ flag: String = "") {
      let b = plan.buffers[buffer]
      rows.append([role, b.name, "@\(b.offset)", String(b.size(capacity: plan.capacity)), flag])
    }
    func name(_ base: String, _ i: Int, of count: Int) -> String { count == 1 ? base : "\(base)\(i)" }
    // A backward step lists only the forward values its kernel reads.
    let reads = step.phase == .forward ? .all : (node.op as! any ExecutableOperator).backwardReads
    if reads.inputs {
      for (i, id) in step.inputs.enumerated() { add(name("input", i, of: step.inputs.count), id) }
    }
    var parameterGradients: [[String]] = []
    for (i, parameter) in node.parameters.enumerated() {
      let slot = plan.slot(of: parameter.id)
      let qualified = plan.graph.parameters[parameter.id].name
      rows.append([parameter.name, qualified, "params@\(slot.offset)", "\(slot.count)"])
      if step.phase == .backward, plan.graph.parameters[parameter.id].trainable {
        parameterGradients.append([
          "d" + parameter.name.prefix(1).uppercased() + parameter.name.dropFirst(), qualified,
          "grads@\(slot.offset)", "\(slot.count)", step.accumulateParameter[i] ? "accumulate" : "write",
        ])
      }
    }
    for state in node.buffers {
      let slot = plan.slot(of: state.id)
      rows.append([state.name, plan.graph.parameters[state.id].name, "params@\(slot.offset)", "\(slot.count)"])
    }
    if reads.outputs {
      for (i, id) in step.outputs.enumerated() { add(name("output", i, of: step.outputs.count), id) }
    }
    for (i, id) in step.saved.enumerated() { add(name("saved", i, of: step.saved.count), id) }
    for (i, id) in step.outputGradients.enumerated() {
      if step.zeroedOutputGradients.contains(i) {
        add(name("dOutput", i, of: step.outputGradients.count), id, "zeroed")
      } else {
        add(name("dOutput", i, of: step.outputGradients.count), id)
      }
    }
    for (i, id) in step.inputGradients.enumerated() {
      let role = name("dInput", i, of: step.inputGradients.count)
      if let id {
        add(role, id, step.accumulateInput[i] ? "accumulate" : "write")
      } else {
        rows.append([role, "none"])
      }
    }
    rows += parameterGradients
    if let workspace = step.workspace { add("workspace", workspace) }
    for fusion in step.fusions {
      rows.append(["fusion", "\(fusion.rule) (\(fusion.side.rawValue), with \(plan.graph.nodes[fusion.partner].name))"])
      for argument in fusion.arguments { add(argument.role, argument.buffer) }
    }
    out.table(rows, indent: 6)
  }

  private static func buffers(_ plan: ExecutionPlan, _ out: inout TextLines) {
    out.line("buffers (offset, floats at capacity \(plan.capacity), steps alive)")
    out.table(
      plan.buffers.enumerated().map { id, b in
        let shape = "[\(b.shape.map(String.init).joined(separator: ", "))]" + (b.batched ? " x N" : "")
        return [
          "b\(id)", b.name, shape, "@\(b.offset)", String(b.size(capacity: plan.capacity)),
          "\(b.firstUse)-\(b.lastUse)",
        ]
      }, indent: 2)
  }

  private static func parameters(_ plan: ExecutionPlan, _ out: inout TextLines) {
    out.line(
      "parameter arena: \(plan.parameterArenaSize) floats, \(plan.trainableCount) trainable first "
        + "(gradients at the same offsets)")
    out.table(
      plan.parameterSlots.sorted { $0.offset < $1.offset }.map { slot in
        let parameter = plan.graph.parameters[slot.parameter]
        return ["p\(slot.parameter)", parameter.name, "@\(slot.offset)", String(slot.count)]
      }, indent: 2)
  }

  /// `prefix` and the items joined by commas, wrapped at `width`; continued
  /// lines are indented.
  private static func wrapped(_ prefix: String, _ items: [String], width: Int) -> [String] {
    var lines: [String] = []
    var line = prefix
    for (i, item) in items.enumerated() {
      let piece = item + (i == items.count - 1 ? "" : ",")
      if line.count + piece.count + 1 > width, line.count > prefix.count {
        lines.append(line)
        line = String(repeating: " ", count: 4) + piece
      } else {
        line += (line.hasSuffix(" ") ? "" : " ") + piece
      }
    }
    lines.append(line)
    return lines
  }
}

/// Lines of text, with aligned tables.
private struct TextLines {
  private(set) var lines: [String] = []

  var text: String { lines.map { $0 + "\n" }.joined() }

  mutating func line(_ text: String = "") { lines.append(text) }

  /// Rows with every column but the last padded to its widest cell, two
  /// spaces apart, without trailing spaces.
  mutating func table(_ rows: [[String]], indent: Int) {
    let columns = rows.map(\.count).max() ?? 0
    var widths = [Int](repeating: 0, count: columns)
    for row in rows {
      for (i, cell) in row.enumerated() where i < row.count - 1 { widths[i] = max(widths[i], cell.count) }
    }
    for row in rows {
      var text = String(repeating: " ", count: indent)
      for (i, cell) in row.enumerated() {
        text += i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] + 2 - cell.count)
      }
      while text.hasSuffix(" ") { text.removeLast() }
      lines.append(text)
    }
  }
}
