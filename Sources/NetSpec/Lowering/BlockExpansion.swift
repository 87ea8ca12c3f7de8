import NetSpecDiagnostics
import NetSpecYAML

/// Expands one invocation of a user-defined block: binds its arguments, gives
/// it a scope of its own (names inside are prefixed with the instance name) and
/// lowers its layers from its inputs.
struct BlockExpansion {
  let lowerer: Lowerer

  func expand(
    _ block: BlockDecl, invocation: LayerDecl, name: String,
    inputs: [(ValueID, SourceSpan?)]?, caller: LoweringScope
  ) -> Flow {
    guard !lowerer.blockStackContains(block.name) else {
      lowerer.diagnostics.append(
        Diagnostic(.recursiveBlock, at: invocation.opSpan, "block `\(block.name)` invokes itself")
          .label(block.nameSpan, "`\(block.name)` is defined here")
          .help("blocks cannot be recursive; use `repeat:` to stack copies"))
      return .poisoned
    }
    guard lowerer.blockDepth < lowerer.limits.maxBlockDepth else {
      lowerer.diagnostics.append(
        Diagnostic(
          .recursiveBlock, at: invocation.opSpan, "blocks are nested more than \(lowerer.limits.maxBlockDepth) deep"))
      return .poisoned
    }
    guard let arguments = bindArguments(block, invocation: invocation, caller: caller) else {
      return .poisoned
    }
    if invocation.trainable != nil || invocation.tie != nil {
      lowerer.diagnostics.append(
        Diagnostic(.unknownKey, at: invocation.opSpan, "`tie` and `trainable` apply to layers, not to blocks")
          .help("set them on the layers inside block `\(block.name)`"))
      return .poisoned
    }
    if let node = invocation.initialization {
      lowerer.diagnostics.append(
        Diagnostic(.unknownKey, at: node.span, "`init` applies to layers, not to blocks")
          .help("set it on the layers inside block `\(block.name)`"))
      return .poisoned
    }
    guard let inputs else { return .poisoned }
    guard inputs.count == block.inputs.count else {
      lowerer.diagnostics.append(
        Diagnostic(
          .wrongInputCount, at: invocation.from?.span ?? invocation.opSpan,
          "block `\(block.name)` takes \(block.inputs.count) input\(block.inputs.count == 1 ? "" : "s") (\(block.inputs.joined(separator: ", "))), got \(inputs.count)"
        )
        .label(block.nameSpan, "`\(block.name)` is defined here"))
      return .poisoned
    }
    var scope = LoweringScope(
      prefix: caller.prefix + name + ".", resolver: ValueResolver(variables: arguments),
      isTopLevel: false)
    for (inputName, input) in zip(block.inputs, inputs) {
      scope.locals[inputName] = input.0
      scope.definitions[inputName] = block.nameSpan
    }
    lowerer.graph.blockInstances[caller.prefix + name] = block.name
    lowerer.pushBlock(block.name)
    defer { lowerer.popBlock() }
    let end = lowerer.lowerLayers(block.layers, scope: &scope, flow: .value(inputs[0].0))
    guard let outputs = block.outputs, case .value = end else { return end }
    return declaredOutputs(outputs, instance: caller.prefix + name, scope: scope)
  }

  /// The block's `outputs:` in the instance's scope: the first is the
  /// instance's value, and every one is recorded for ``Lowerer/defineOutputs``
  /// to name `<instance>.<output>` in the caller's scope.
  private func declaredOutputs(_ outputs: [Reference], instance: String, scope: LoweringScope) -> Flow {
    var values: [(name: String, value: ValueID)] = []
    for ref in outputs {
      guard case .value(let id) = lowerer.lookup(ref, scope: scope) else { return .poisoned }
      values.append((ref.name, id))
    }
    lowerer.blockOutputs[instance] = values
    return values.first.map { .value($0.value) } ?? .poisoned
  }

  /// The block's variables: the spec's `vars`, then its arguments (defaults
  /// resolved in the block's own scope, given values in the caller's).
  private func bindArguments(_ block: BlockDecl, invocation: LayerDecl, caller: LoweringScope) -> [String: SpecValue
    .Kind]?
  {
    var diagnostics = DiagnosticBag()
    defer { lowerer.diagnostics.append(contentsOf: diagnostics.diagnostics) }
    var given: [String: SpecValue] = [:]
    /// Arguments written, even misspelled or with a bad value: not reported
    /// again as missing.
    var mentioned: Set<String> = []
    let names = block.arguments.map(\.name)
    if let shorthand = invocation.shorthand {
      guard let first = names.first else {
        diagnostics.append(
          Diagnostic(.unknownArgument, at: shorthand.span, "block `\(block.name)` takes no arguments"))
        return nil
      }
      mentioned.insert(first)
      if let value = caller.resolver.resolve(shorthand, &diagnostics) { given[first] = value }
    }
    for entry in invocation.attributes {
      guard names.contains(entry.key.value) else {
        var diagnostic = Diagnostic(
          .unknownArgument, at: entry.key.span, "block `\(block.name)` has no argument `\(entry.key.value)`"
        )
        .label(block.nameSpan, "`\(block.name)` is defined here")
        if let suggestion = Suggestions.closest(to: entry.key.value, in: names + LayerDecl.commonKeys) {
          mentioned.insert(suggestion)
          diagnostic = diagnostic.help("did you mean `\(suggestion)`?")
        } else {
          diagnostic = diagnostic.help(
            names.isEmpty ? "it takes no arguments" : "its arguments are \(Suggestions.list(names))")
        }
        diagnostics.append(diagnostic)
        continue
      }
      mentioned.insert(entry.key.value)
      if let value = caller.resolver.resolve(entry.value, &diagnostics) { given[entry.key.value] = value }
    }
    var variables = lowerer.document.variables
    if let index = caller.resolver.variables["index"] { variables["index"] = index }
    for argument in block.arguments {
      if let value = given[argument.name] {
        variables[argument.name] = value.kind
      } else if let defaultNode = argument.defaultValue {
        if let value = ValueResolver(variables: variables).resolve(defaultNode, &diagnostics) {
          variables[argument.name] = value.kind
        }
      } else if !mentioned.contains(argument.name) {
        diagnostics.append(
          Diagnostic(.missingArgument, at: invocation.opSpan, "block `\(block.name)` needs argument `\(argument.name)`")
            .label(argument.span, "declared as required here")
            .help("write `\(block.name): {\(argument.name): ...}`"))
      }
    }
    return diagnostics.hasErrors ? nil : variables
  }
}
