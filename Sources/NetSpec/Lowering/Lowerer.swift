import NetSpecDiagnostics
import NetSpecYAML

/// Lowers a ``SpecDocument`` to a shape-checked ``Graph``: expands blocks and
/// repeats, resolves names and expressions, validates attributes against the op
/// registry and runs every op's shape rule. Reports all independent errors;
/// layers downstream of a failed one are skipped rather than reported again.
public enum Lowering {
  /// The graph, or nil when any error was reported.
  public static func lower(
    _ document: SpecDocument, limits: LoweringLimits = .default, _ diagnostics: inout DiagnosticBag
  ) -> Graph? {
    let lowerer = Lowerer(document: document, limits: limits)
    let graph = lowerer.run()
    diagnostics.append(contentsOf: lowerer.diagnostics.diagnostics)
    return lowerer.diagnostics.hasErrors ? nil : graph
  }
}

final class Lowerer {
  let document: SpecDocument
  let limits: LoweringLimits
  var graph = Graph()
  var diagnostics = DiagnosticBag()
  private var autoNameCounters: [String: Int] = [:]
  private var nodeByName: [String: NodeID] = [:]
  /// The values a block instance outputs by its block's `outputs:`, by the
  /// instance's qualified name.
  var blockOutputs: [String: [(name: String, value: ValueID)]] = [:]
  private var blockStack: [String] = []
  private var limitReported = false
  /// Whether part of the spec was rejected while decoding (an input, a block,
  /// a list item): the graph lacks it, so it is not checked as a whole.
  private var skipsRejectedParts = false

  init(document: SpecDocument, limits: LoweringLimits) {
    self.document = document
    self.limits = limits
  }

  func run() -> Graph {
    var scope = LoweringScope(
      prefix: "", resolver: ValueResolver(variables: document.variables), isTopLevel: true)
    for input in document.inputs {
      if let earlier = scope.definitions[input.name] {
        diagnostics.append(
          Diagnostic(.duplicateName, at: input.nameSpan, "input `\(input.name)` is declared twice")
            .label(earlier, "first declared here"))
        continue
      }
      let id = addValue(Value(name: input.name, type: input.type, role: .input, span: input.nameSpan))
      graph.inputs.append(id)
      scope.locals[input.name] = id
      scope.definitions[input.name] = input.nameSpan
    }
    scope.poisoned.formUnion(document.rejectedInputs.names)
    skipsRejectedParts = document.rejectedInputs.isWholeSection || !document.rejectedInputs.names.isEmpty
    let end = lowerLayers(document.layers, scope: &scope, flow: startFlow)
    resolveOutputs(end, scope: scope)
    if let losses = document.train?.losses { LossLowering(lowerer: self).lower(losses, scope: scope) }
    guard !diagnostics.hasErrors, !skipsRejectedParts else { return graph }
    warnAboutUnusedValues()
    ModelLints(graph: graph).run(&diagnostics)
    if let classes = document.data?.classes { ClassNamesCheck.check(classes, graph: graph, &diagnostics) }
    if let decode = document.decode { _ = DecodeCheck.resolve(decode, data: document.data, graph: graph, &diagnostics) }
    if let expect = document.expect {
      ExpectChecker(graph: graph, names: scope.locals).check(expect, &diagnostics)
    }
    return graph
  }

  /// What the first layer reads without a `from:`: the spec's only input. It is
  /// poisoned when that input, or the whole `inputs:` section, was rejected, and
  /// nothing when the spec declares several inputs (or none).
  private var startFlow: Flow {
    let rejected = document.rejectedInputs
    if rejected.isWholeSection { return .poisoned }
    switch (graph.inputs.count, rejected.names.count) {
    case (1, 0): return .value(graph.inputs[0])
    case (0, 1): return .poisoned
    default: return .none
    }
  }

  // MARK: - Blocks

  func blockStackContains(_ name: String) -> Bool { blockStack.contains(name) }
  var blockDepth: Int { blockStack.count }
  func pushBlock(_ name: String) { blockStack.append(name) }
  func popBlock() { blockStack.removeLast() }

  // MARK: - Layers

  func lowerLayers(_ layers: [LayerDecl], scope: inout LoweringScope, flow: Flow) -> Flow {
    var flow = flow
    for layer in layers {
      guard !limitReported else { return .poisoned }
      if layer.isRejected {
        skipsRejectedParts = true
        flow = .poisoned
      } else {
        flow = lowerRepeated(layer, scope: &scope, flow: flow)
      }
    }
    return flow
  }

  private func lowerRepeated(_ layer: LayerDecl, scope: inout LoweringScope, flow: Flow) -> Flow {
    guard let node = layer.repeatCount else {
      guard let name = layerName(layer, scope: scope) else { return .poisoned }
      return lowerOne(layer, name: name, scope: &scope, flow: flow)
    }
    guard let value = scope.resolver.resolve(node, &diagnostics),
      let count = ValueCheck.int(value, in: 0...limits.maxRepeat, what: "`repeat`", &diagnostics)
    else { return .poisoned }
    guard let name = layerName(layer, scope: scope) else { return .poisoned }
    guard count > 0 else {
      scope.removed[name] = value.span
      return flow
    }
    var flow = flow
    let outer = scope.resolver
    for index in 0..<count {
      scope.resolver.variables["index"] = .int(index)
      flow = lowerOne(
        layer, name: "\(name).\(index)", scope: &scope, flow: flow, chained: index > 0)
      if case .poisoned = flow { break }
    }
    scope.resolver = outer
    define(name, flow, at: layer.name?.span ?? layer.opSpan, in: &scope)
    return flow
  }

  /// The layer's local name: its `name:` or `<op>_<k>` numbering layers of an op.
  private func layerName(_ layer: LayerDecl, scope: LoweringScope) -> String? {
    guard let node = layer.name else {
      let k = (autoNameCounters[scope.prefix + layer.op] ?? 0) + 1
      autoNameCounters[scope.prefix + layer.op] = k
      return "\(layer.op)_\(k)"
    }
    guard let value = scope.resolver.resolve(node, &diagnostics),
      let name = ValueCheck.string(value, what: "`name`", &diagnostics),
      ValueCheck.name(name, of: "layer", at: value.span, &diagnostics)
    else { return nil }
    return name
  }

  /// Records `name` in `scope` for the value `flow` (or as poisoned).
  func define(_ name: String, _ flow: Flow, at span: SourceSpan, in scope: inout LoweringScope) {
    switch flow {
    case .value(let id): scope.locals[name] = id
    case .none, .poisoned: scope.poisoned.insert(name)
    }
    if scope.definitions[name] == nil { scope.definitions[name] = span }
  }

  /// Lowers one copy of a layer. In a `repeat`, copies after the first are
  /// `chained`: their first input is the previous copy's output, and any further
  /// `from:` inputs stay as written (a decoder layer keeps its memory input).
  private func lowerOne(
    _ layer: LayerDecl, name: String, scope: inout LoweringScope, flow: Flow, chained: Bool = false
  ) -> Flow {
    let span = layer.name?.span ?? layer.opSpan
    if let earlier = scope.definitions[name], layer.name != nil {
      diagnostics.append(
        Diagnostic(.duplicateName, at: span, "a layer named `\(name)` is already defined")
          .label(earlier, "first defined here")
          .help("give this layer another `name`"))
      return .poisoned
    }
    var inputs = resolveInputs(layer, scope: scope, flow: flow)
    if chained, layer.from != nil, inputs != nil {
      if case .value(let previous) = flow { inputs![0] = (previous, nil) } else { inputs = nil }
    }
    let result: Flow
    if let block = document.blocks[layer.op] {
      result = BlockExpansion(lowerer: self).expand(
        block, invocation: layer, name: name, inputs: inputs, caller: scope)
    } else if let opType = OpRegistry.op(named: layer.op), !(opType.schema.category == .loss) {
      result = lowerOp(opType, layer, name: name, inputs: inputs, scope: scope)
    } else if document.rejectedBlocks.contains(layer.op) {
      skipsRejectedParts = true
      result = .poisoned
    } else {
      reportUnknownOp(layer)
      result = .poisoned
    }
    define(name, result, at: span, in: &scope)
    defineOutputs(of: name, result, at: span, in: &scope)
    return result
  }

  /// The layer's inputs: its `from:` references, or the previous layer's output.
  /// Nil when an input is unavailable (already reported, or poisoned).
  private func resolveInputs(_ layer: LayerDecl, scope: LoweringScope, flow: Flow) -> [(ValueID, SourceSpan?)]? {
    guard let fromNode = layer.from else {
      switch flow {
      case .value(let id): return reportsImplicitRead(of: id, by: layer) ? nil : [(id, nil)]
      case .poisoned: return nil
      case .none:
        diagnostics.append(
          Diagnostic(.missingKey, at: layer.opSpan, "this layer has no input")
            .help(
              "the spec declares \(graph.inputs.count) inputs: say which one with `from: \(document.inputs.first?.name ?? "x")`"
            ))
        return nil
      }
    }
    guard let refs = SpecDecoder.decodeReferences(fromNode, what: "from", resolver: scope.resolver, &diagnostics)
    else { return nil }
    var result: [(ValueID, SourceSpan?)] = []
    var ok = true
    for ref in refs {
      switch lookup(ref, scope: scope) {
      case .value(let id): result.append((id, ref.span))
      case .none, .poisoned: ok = false
      }
    }
    return ok ? result : nil
  }

  /// Resolves a reference in `scope`, reporting unknown names with a suggestion.
  func lookup(_ ref: Reference, scope: LoweringScope) -> Flow {
    if let id = scope.locals[ref.name] { return .value(id) }
    if scope.poisoned.contains(ref.name) || layerParts(of: ref.name).contains(where: scope.poisoned.contains) {
      return .poisoned
    }
    if let (stage, repeatSpan) = scope.removal(of: ref.name) {
      diagnostics.append(
        Diagnostic(.unknownReference, at: ref.span, "`\(ref.name)` does not exist: `repeat: 0` removes `\(stage)`")
          .label(repeatSpan, "`\(stage)` is repeated 0 times here")
          .help("name a layer that is kept, or repeat `\(stage)` at least once"))
      return .none
    }
    if let id = qualifiedValue(ref.name, scope: scope) { return .value(id) }
    if let diagnostic = outputReferenceDiagnostic(ref, scope: scope) {
      diagnostics.append(diagnostic)
      return .none
    }
    var diagnostic = Diagnostic(.unknownReference, at: ref.span, "no layer or input named `\(ref.name)` here")
    if let suggestion = Suggestions.didYouMean(ref.name, in: scope.visibleNames) {
      diagnostic = diagnostic.help(suggestion)
    } else {
      diagnostic = diagnostic.help(
        scope.isTopLevel
          ? "`from` names an input or an earlier layer (give the layer a `name:`)"
          : "inside a block, `from` names the block's inputs or its earlier layers")
    }
    diagnostics.append(diagnostic)
    return .none
  }

  /// A value inside a block instance of `scope`, by its name relative to the
  /// scope (`layers.3.skip`, `enc.lstm.h`): at the top level any value by its
  /// qualified name, inside a block those of the block's own instances.
  private func qualifiedValue(_ name: String, scope: LoweringScope) -> ValueID? {
    guard let id = graph.value(named: scope.prefix + name) else { return nil }
    return scope.isTopLevel || graph.values[id].role != .input ? id : nil
  }

  private func reportUnknownOp(_ layer: LayerDecl) {
    let candidates =
      OpRegistry.all.map { $0.schema }.filter { $0.category != .loss }.map(\.name)
      + document.blocks.keys
    var diagnostic = Diagnostic(.unknownOp, at: layer.opSpan, "unknown op `\(layer.op)`")
    if OpRegistry.op(named: layer.op) != nil {
      diagnostic = Diagnostic(.unknownOp, at: layer.opSpan, "`\(layer.op)` is a loss, not a layer")
        .help("losses go under `train: {loss: ...}`")
    } else if let suggestion = Suggestions.didYouMean(layer.op, in: candidates) {
      diagnostic = diagnostic.help(suggestion)
    } else {
      diagnostic = diagnostic.help("run `netspec schema` or see docs/OPS.md for the list of ops")
    }
    diagnostics.append(diagnostic)
  }

  // MARK: - Ops

  private func lowerOp(
    _ opType: any Operator.Type, _ layer: LayerDecl, name: String,
    inputs: [(ValueID, SourceSpan?)]?, scope: LoweringScope
  ) -> Flow {
    let schema = opType.schema
    let validator = AttributeValidator(schema: schema, resolver: scope.resolver)
    let attributes = validator.validate(
      entries: layer.attributes, shorthand: layer.shorthand, layerSpan: layer.opSpan, &diagnostics)
    let trainable = layer.trainable.flatMap {
      scope.resolver.resolve($0, &diagnostics).flatMap { ValueCheck.bool($0, what: "`trainable`", &diagnostics) }
    }
    let tied = layer.tie.flatMap { resolveTie($0, scope: scope) }
    guard let attributes, let inputs else { return .poisoned }
    guard schema.inputs.accepts(inputs.count) else {
      diagnostics.append(
        Diagnostic(
          .wrongInputCount, at: layer.from?.span ?? layer.opSpan,
          "`\(schema.name)` takes \(schema.inputs.description), got \(inputs.count)"
        )
        .help(inputs.count < 2 ? "list its inputs with `from: [a, b]`" : "check the `from:` list"))
      return .poisoned
    }
    let op = opType.init(attributes)
    let types = inputs.map { graph.values[$0.0].type }
    var inference: Inference
    do {
      inference = try op.infer(types)
    } catch {
      reportShapeError(
        error, layer: layer, name: scope.prefix + name, op: schema.name, inputs: inputs, attributes: attributes)
      return .poisoned
    }
    if let node = layer.initialization {
      if let tieNode = layer.tie {
        diagnostics.append(
          Diagnostic(
            .unknownKey, at: node.span, "a tied layer takes its parameters' initial values from the layer it is tied to"
          )
          .label(tieNode.span, "tied here")
          .help("give `init` to the layer named by `tie`"))
        return .poisoned
      }
      let initialization = LayerInitialization(resolver: scope.resolver, op: schema.name)
      guard let parameters = initialization.apply(node, to: inference.parameters, &diagnostics) else {
        return .poisoned
      }
      inference.parameters = parameters
    }
    let node = addNode(
      name: scope.prefix + name, op: op, inputs: inputs.map(\.0), inference: inference,
      span: layer.opSpan, attributes: attributes, trainable: trainable ?? true,
      tie: tied)
    return node.map { .value(graph.nodes[$0].outputs[0]) } ?? .poisoned
  }

  /// `tie: other` names an earlier layer whose parameters this one shares.
  private func resolveTie(_ node: YAMLNode, scope: LoweringScope) -> (NodeID, SourceSpan)? {
    guard let value = scope.resolver.resolve(node, &diagnostics),
      let name = ValueCheck.string(value, what: "`tie`", &diagnostics)
    else { return nil }
    if let id = nodeByName[scope.prefix + name] ?? nodeByName[name] { return (id, value.span) }
    if scope.poisoned.contains(name) { return nil }
    var diagnostic = Diagnostic(.unknownReference, at: value.span, "no earlier layer named `\(name)` to tie to")
    if let suggestion = Suggestions.didYouMean(name, in: nodeByName.keys) { diagnostic = diagnostic.help(suggestion) }
    diagnostics.append(diagnostic)
    return nil
  }

  /// Adds a node with its outputs and parameters; nil if tying fails.
  func addNode(
    name: String, op: any Operator, inputs: [ValueID], inference: Inference, span: SourceSpan?,
    attributes: Attributes, trainable: Bool, tie: (NodeID, SourceSpan)? = nil
  ) -> NodeID? {
    guard graph.nodes.count < limits.maxLayers else {
      if !limitReported {
        limitReported = true
        diagnostics.append(
          Diagnostic(.layerCount, at: span, "the spec expands to more than \(limits.maxLayers) layers")
            .help("reduce `repeat` counts or block nesting"))
      }
      return nil
    }
    let id = graph.nodes.count
    var parameterIDs: [(name: String, id: ParameterID)] = []
    var sharedAny = false
    for spec in inference.parameters {
      if let (target, tieSpan) = tie,
        let shared = graph.nodes[target].parameters.first(where: { $0.name == spec.name })
      {
        let existing = graph.parameters[shared.id]
        guard existing.shape == spec.shape else {
          diagnostics.append(
            Diagnostic(
              .shapeMismatch, at: tieSpan,
              "cannot tie `\(name).\(spec.name)` \(spec.shape) to `\(existing.name)` \(existing.shape)"
            )
            .label(graph.nodes[target].span, "`\(existing.name)` is defined here")
            .help("tied parameters must have the same shape"))
          return nil
        }
        parameterIDs.append((spec.name, shared.id))
        sharedAny = true
        continue
      }
      parameterIDs.append((spec.name, addParameter(name: name, spec, owner: id, trainable: trainable, buffer: false)))
    }
    if let (target, tieSpan) = tie, !sharedAny {
      diagnostics.append(
        Diagnostic(.shapeMismatch, at: tieSpan, "`\(graph.nodes[target].name)` has no parameter this layer can share")
          .help("`tie` shares parameters of the same name and shape, e.g. `weight`"))
      return nil
    }
    let buffers = inference.buffers.map {
      (name: $0.name, id: addParameter(name: name, $0, owner: id, trainable: false, buffer: true))
    }
    let schema = Swift.type(of: op).schema
    var outputs: [ValueID] = []
    for (i, type) in inference.outputs.enumerated() {
      let valueName = i == 0 && schema.hasPrimaryOutput ? name : "\(name).\(schema.outputName(i))"
      outputs.append(addValue(Value(name: valueName, type: type, role: .activation(id), span: span)))
    }
    graph.nodes.append(
      Node(
        name: name, op: op, inputs: inputs, outputs: outputs, parameters: parameterIDs,
        buffers: buffers, flops: inference.flops, span: span, attributes: attributes))
    nodeByName[name] = id
    return id
  }

  private func addParameter(name: String, _ spec: ParameterSpec, owner: NodeID, trainable: Bool, buffer: Bool)
    -> ParameterID
  {
    graph.parameters.append(
      Parameter(
        name: "\(name).\(spec.name)", shape: spec.shape, initializer: spec.initializer,
        owner: owner, trainable: trainable && !buffer, isBuffer: buffer))
    return graph.parameters.count - 1
  }

  func addValue(_ value: Value) -> ValueID {
    graph.values.append(value)
    return graph.values.count - 1
  }

  // MARK: - Errors and outputs

  /// A shape error at the attribute or layer, with a label at the layer that
  /// produced the offending input.
  func reportShapeError(
    _ error: ShapeError, layer: LayerDecl, name: String, op: String,
    inputs: [(ValueID, SourceSpan?)], attributes: Attributes
  ) {
    let span = error.attribute.flatMap { attributes.spans[$0] } ?? layer.opSpan
    var diagnostic = Diagnostic(error.code, at: span, "layer `\(name)` (\(op)): \(error.message)")
    if let index = error.input, index < inputs.count {
      let value = graph.values[inputs[index].0]
      let producer =
        switch value.role {
        case .input: "input `\(value.name)` is declared as \(value.type) here"
        default: "`\(value.name)` outputs \(describe(value.type)) here"
        }
      diagnostic = diagnostic.label(value.span, producer)
    }
    if let help = error.help { diagnostic = diagnostic.help(help) }
    diagnostics.append(diagnostic)
  }

  /// `[N, 16, 5, 5] (16x5x5 = 400 features per sample)` for rank > 2 shapes.
  private func describe(_ type: TensorType) -> String {
    guard type.rank > 2, let features = Array(type.shape.dropFirst()).elementCount else {
      return type.description
    }
    return "\(type) (\(Array(type.shape.dropFirst()).timesDescription) = \(features) features per sample)"
  }

  /// Warns about layers and inputs whose values reach neither an output nor the
  /// loss: usually a `from:` that skips a branch by mistake.
  private func warnAboutUnusedValues() {
    var used = Set(graph.outputs)
    if let loss = graph.loss { used.insert(loss) }
    for node in graph.nodes { used.formUnion(node.inputs) }
    for (id, value) in graph.values.enumerated()
    where !used.contains(id) && value.role != .target && !isSecondaryOutput(id, used: used) {
      let what = value.role == .input ? "input `\(value.name)`" : "the output of `\(value.name)`"
      diagnostics.append(
        Diagnostic(.unusedValue, at: value.span, "\(what) is never used")
          .help("use it with `from: \(value.name)`, list it under `outputs:`, or remove it"))
    }
  }

  /// Whether `value` is an output of a layer with a primary output whose
  /// other outputs make it used: an `lstm`'s final states, or its sequence
  /// output when a final state is read.
  private func isSecondaryOutput(_ value: ValueID, used: Set<ValueID>) -> Bool {
    guard let id = producer(of: value), type(of: graph.nodes[id].op).schema.hasPrimaryOutput else { return false }
    let outputs = graph.nodes[id].outputs
    return outputs.first != value || outputs.dropFirst().contains(where: used.contains)
  }

  private func resolveOutputs(_ end: Flow, scope: LoweringScope) {
    if let refs = document.outputs {
      for ref in refs {
        if case .value(let id) = lookup(ref, scope: scope) { graph.outputs.append(id) }
      }
    } else if case .value(let id) = end {
      graph.outputs = [id]
    }
  }
}
