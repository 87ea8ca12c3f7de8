import NetSpecDiagnostics

/// model.py: the spec's graph as a readable `torch.nn.Module` whose
/// `state_dict` names and layouts are NetSpec's safetensors names, and the
/// spec's loss as a function.
///
/// Layers with parameters become submodules named as the layers; a layer
/// inside a block or a repeat (`layer1.0.conv1`) sits in `nn.ModuleDict`s
/// named by the path's parts, so its tensors keep the dotted name. Layers
/// without parameters are functional calls in `forward`, one line per layer
/// with its output shape as a comment.
struct TorchModelEmitter {
  let graph: Graph
  let specName: String
  /// The Python class name.
  let className: String
  private(set) var helpers: [String: String] = [:]
  private(set) var diagnostics: [Diagnostic] = []
  private var initLines: [String] = []
  private var forwardLines: [String] = []
  private var containers: Set<String> = []
  /// Submodule expressions by node index.
  private var modules: [NodeID: String] = [:]
  private var variables: [ValueID: String] = [:]
  private var taken: Set<String> = []

  init(graph: Graph, specName: String, className: String) {
    self.graph = graph
    self.specName = specName
    self.className = className
  }

  /// The Python variables of the model inputs, in order.
  var inputVariables: [String] { graph.inputs.map { variables[$0]! } }

  /// The values `forward` returns: the model outputs, then the layers the
  /// loss terms read that are not among them (the prediction; a
  /// `kl_divergence` term's mu and log-variance).
  var returned: [ValueID] {
    var values = graph.outputs
    for term in graph.lossTerms {
      for id in graph.nodes[term.node].inputs where !values.contains(id) {
        if case .activation = graph.values[id].role { values.append(id) }
      }
    }
    return values
  }

  /// The source of model.py, or nil with ``diagnostics`` when a layer has no PyTorch form.
  mutating func emit() -> String? {
    for input in graph.inputs { variables[input] = PythonNames.variable(graph.values[input].name, taken: &taken) }
    for (index, node) in graph.nodes.enumerated() where !(node.op is any ObjectiveOperator) {
      layer(index, node)
    }
    let loss = lossFunction()
    guard diagnostics.isEmpty else { return nil }
    return source(loss: loss)
  }

  private mutating func layer(_ index: NodeID, _ node: Node) {
    guard let op = node.op as? any TorchExportable else {
      fail(node, TorchExportError("op `\(node.opName)` has no PyTorch form"))
      return
    }
    var tied: [String: String] = [:]
    for (local, id) in node.parameters where graph.parameters[id].owner != index {
      let owner = graph.parameters[id].owner
      let ownerLocal = graph.nodes[owner].parameters.first { $0.id == id }!.name
      tied[local] = "\(modules[owner] ?? "self.\(graph.nodes[owner].name)").\(ownerLocal)"
    }
    let path: String
    do { path = try modulePath(node.name) } catch {
      fail(node, error)
      return
    }
    let output = node.outputs[0]
    let torch = TorchLayer(
      inputs: node.inputs.map { variables[$0] ?? "?" }, inputTypes: node.inputs.map { graph.values[$0].type },
      outputType: graph.values[output].type, module: path, tiedParameters: tied,
      outputTypes: node.outputs.map { graph.values[$0].type })
    do {
      if let constructor = try op.torchModule(torch) {
        declareContainers(node.name)
        modules[index] = path
        initLines.append("\(path) = \(constructor)")
        let own = (node.parameters + node.buffers).map { graph.parameters[$0.id] }.filter { $0.owner == index }
        if own.contains(where: { !$0.isBuffer && !$0.trainable }) { initLines.append("\(path).requires_grad_(False)") }
      }
      let expression = try op.torchForward(torch)
      let names = node.outputs.map { PythonNames.variable(graph.values[$0].name, taken: &taken) }
      for (id, variable) in zip(node.outputs, names) { variables[id] = variable }
      let shapes = node.outputs.map { graph.values[$0].type.shape.shapeDescription }
      forwardLines.append("\(names.joined(separator: ", ")) = \(expression)  # \(shapes.joined(separator: ", "))")
    } catch {
      fail(node, error)
    }
    helpers.merge(torch.helpers) { a, _ in a }
  }

  /// `self.conv1`, `self.layer1["0"].conv1`: attribute access where the
  /// part is an identifier, a `ModuleDict` key otherwise.
  private func modulePath(_ name: String) throws(TorchExportError) -> String {
    var path = "self"
    for (depth, part) in name.split(separator: ".").map(String.init).enumerated() {
      if PythonNames.moduleAttributes.contains(part) {
        throw TorchExportError(
          "layer name `\(name)` cannot be a PyTorch submodule: `\(part)` is an attribute of torch.nn.Module",
          help: "rename the layer (`name:`), e.g. `\(part)_layer`")
      }
      if PythonNames.isIdentifier(part) {
        path += ".\(part)"
      } else if depth > 0 {
        path += "[\(PythonNames.string(part))]"
      } else {
        throw TorchExportError(
          "layer name `\(name)` cannot be a PyTorch attribute name", help: "name the layer with letters, digits and `_`"
        )
      }
    }
    return path
  }

  private mutating func declareContainers(_ name: String) {
    let parts = name.split(separator: ".").map(String.init)
    for length in parts.indices.dropFirst() {
      let prefix = parts[..<length].joined(separator: ".")
      guard !containers.contains(prefix) else { continue }
      containers.insert(prefix)
      // Each part was checked by `modulePath` for the full name.
      let path = (try? modulePath(prefix)) ?? "self"
      initLines.append("\(path) = nn.ModuleDict()")
    }
  }

  private mutating func lossFunction() -> [String] {
    guard Self.scoresOneTerm(graph) else { return lossTermsFunction() }
    guard let node = graph.lossNode, let op = node.op as? any TorchExportable else { return [] }
    let torch = TorchLayer(
      inputs: ["prediction", "target"], inputTypes: node.inputs.map { graph.values[$0].type },
      outputType: graph.values[node.outputs[0]].type, module: "")
    do {
      return [
        "def loss(prediction, target):",
        "    \"\"\"The spec's `\(node.opName)` loss of the prediction against the target.\"\"\"",
        "    return \(try op.torchForward(torch))",
      ]
    } catch {
      fail(node, error)
      return []
    }
  }

  /// Whether the loss is one unweighted term against the data's target,
  /// which model.py writes as `loss(prediction, target)`; any other
  /// objective (several or weighted terms, a model input as the target) is
  /// `loss_terms` with `LOSS_WEIGHTS`.
  static func scoresOneTerm(_ graph: Graph) -> Bool {
    guard let node = graph.lossNode else { return true }
    return graph.lossTerms.count == 1 && graph.loss == node.outputs[0] && node.inputs.count == 2
      && graph.values[node.inputs[1]].role == .target
  }

  /// A loss of several terms: `LOSS_WEIGHTS` and `loss_terms(outputs,
  /// inputs, target)`, each term unweighted by its name in the metrics,
  /// reading `forward`'s results, the model inputs and the data target.
  private mutating func lossTermsFunction() -> [String] {
    var entries: [String] = []
    var described: [String] = []
    for term in graph.lossTerms {
      let node = graph.nodes[term.node]
      // A model input as a target gets no gradient, as in NetSpec.
      let arguments = node.inputs.map { id in
        if let index = returned.firstIndex(of: id) { return "outputs[\(index)]" }
        if let index = graph.inputs.firstIndex(of: id) { return "inputs[\(index)].detach()" }
        return "target"
      }
      let torch = TorchLayer(
        inputs: arguments, inputTypes: node.inputs.map { graph.values[$0].type },
        outputType: graph.values[node.outputs[0]].type, module: "")
      guard let op = node.op as? any TorchExportable else {
        fail(node, TorchExportError("loss `\(node.opName)` has no PyTorch form"))
        continue
      }
      do {
        entries.append("        \(PythonNames.string(term.name)): \(try op.torchForward(torch)),")
      } catch {
        fail(node, error)
      }
      described.append("`\(node.opName)` of \(node.inputs.map { graph.values[$0].name }.joined(separator: ", "))")
    }
    let weights = graph.lossTerms.map { "\(PythonNames.string($0.name)): \(TorchLayer.number($0.weight))" }
    return [
      "# Each term's weight in the objective, the weighted sum of the terms, by the term's name.",
      "LOSS_WEIGHTS = {\(weights.joined(separator: ", "))}",
      "",
      "",
      "def loss_terms(outputs, inputs, target):",
      "    \"\"\"The spec's loss terms, unweighted, by name: \(described.joined(separator: "; ")).",
      "",
      "    outputs are forward's results (a tuple), inputs the model's inputs in order, target the data's labels.",
      "    \"\"\"",
      "    return {",
    ] + entries + ["    }"]
  }

  private mutating func fail(_ node: Node, _ error: TorchExportError) {
    let span = error.attribute.flatMap { node.attributes.spans[$0] } ?? node.span
    var diagnostic = Diagnostic(.noPyTorchForm, at: span, error.message)
    if let help = error.help { diagnostic = diagnostic.help(help) }
    diagnostics.append(diagnostic)
  }

  private func source(loss: [String]) -> String {
    var lines = [
      "\"\"\"\(className): the NetSpec spec `\(specName)` as a PyTorch module.",
      "",
      "Generated by `netspec export --format pytorch`. The state_dict names and layouts are",
      "NetSpec's safetensors names, so weights move both ways with load_state_dict(strict=True).",
      "\"\"\"",
      "",
      "import math",
      "",
      "import torch",
      "import torch.nn.functional as F",
      "from torch import nn",
      "",
    ]
    let inputs = graph.inputs.map { id in
      let type = graph.values[id].type
      let sizes = type.shape.dropFirst().map { $0.staticValue.map(String.init) ?? PythonNames.string($0.description) }
      return "\(PythonNames.string(graph.values[id].name)): (torch.\(type.dtype == .int32 ? "int64" : "float32"), "
        + "[\(sizes.joined(separator: ", "))])"
    }
    lines.append("# The model's inputs in forward's order: the dtype train.py feeds and the per-sample shape.")
    lines.append("INPUTS = {\(inputs.joined(separator: ", "))}")
    lines.append("# What forward returns, in order; PREDICTION indexes the one the loss scores.")
    lines.append("OUTPUTS = [\(returned.map { PythonNames.string(graph.values[$0].name) }.joined(separator: ", "))]")
    let prediction = graph.lossNode.flatMap { node in returned.firstIndex(of: node.inputs[0]) } ?? 0
    lines.append("PREDICTION = \(prediction)")
    for name in helpers.keys.sorted() {
      lines += ["", ""] + helpers[name]!.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      if lines.last == "" { lines.removeLast() }
    }
    lines += [
      "", "", "class \(className)(nn.Module):",
      "    \"\"\"`\(specName)`: forward(\(inputVariables.joined(separator: ", "))) returns \(returned.map { graph.values[$0].name }.joined(separator: ", ")).\"\"\"",
      "", "    def __init__(self):", "        super().__init__()",
    ]
    lines += initLines.map { "        " + $0 }
    lines += ["", "    def forward(self, \(inputVariables.joined(separator: ", "))):"]
    lines += forwardLines.map { "        " + $0 }
    let results = returned.map { variables[$0]! }.joined(separator: ", ")
    lines.append("        return \(results)")
    if !loss.isEmpty { lines += ["", ""] + loss }
    return lines.joined(separator: "\n") + "\n"
  }
}
