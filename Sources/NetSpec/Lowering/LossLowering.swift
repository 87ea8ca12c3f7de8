import NetSpecDiagnostics

/// Lowers `train.loss`: validates each term's op and attributes, resolves
/// what it reads (`from`, the model's output by default) and compares against
/// (`target`: a model input, or a target value the data must provide, `label`
/// by default), adds one loss node per term and, for several terms or a
/// weight other than 1, a ``LossSum`` node whose output is the graph's loss.
struct LossLowering {
  let lowerer: Lowerer

  func lower(_ terms: [LossDecl], scope: LoweringScope) {
    let names = termNames(terms)
    guard let names else { return }
    var lowered: [(term: LossDecl, value: ValueID, name: String)] = []
    for (term, name) in zip(terms, names) {
      let nodeName = terms.count == 1 ? "loss" : "loss_\(name)"
      guard let value = lower(term, nodeName: nodeName, scope: scope) else { continue }
      lowered.append((term, value, name))
    }
    guard lowered.count == terms.count else { return }
    lowerer.graph.lossTerms = lowered.compactMap { term in
      guard case .activation(let node) = lowerer.graph.values[term.value].role else { return nil }
      return Graph.LossTerm(node: node, name: term.name, weight: term.term.weight)
    }
    guard terms.count > 1 || terms[0].weight != 1 else {
      lowerer.graph.loss = lowered[0].value
      return
    }
    let sum = LossSum(weights: terms.map(\.weight))
    let inputs = lowered.map(\.value)
    guard let inference = try? sum.infer(inputs.map { lowerer.graph.values[$0].type }) else { return }
    if let node = lowerer.addNode(
      name: "loss", op: sum, inputs: inputs, inference: inference, span: terms[0].span,
      attributes: LossSum.attributes(weights: sum.weights, span: terms[0].span), trainable: true)
    {
      lowerer.graph.loss = lowerer.graph.nodes[node].outputs[0]
    }
  }

  /// Each term's name in the metrics: its `name:`, else its op's name, with
  /// `_2`, `_3` after a name already taken; nil after reporting a `name:`
  /// given twice.
  private func termNames(_ terms: [LossDecl]) -> [String]? {
    var names: [String] = []
    var given: [String: SourceSpan] = [:]
    var valid = true
    for term in terms {
      if let name = term.name {
        if let earlier = given[name.name] {
          lowerer.diagnostics.append(
            Diagnostic(.duplicateName, at: name.span, "two loss terms are named `\(name.name)`")
              .label(earlier, "the first is here")
              .help("give each term its own `name:`; the metrics log reports each as `train_loss_<name>`"))
          valid = false
        }
        given[name.name] = name.span
        names.append(name.name)
        continue
      }
      var name = term.op
      var index = 2
      while names.contains(name) || terms.contains(where: { $0.name?.name == name }) {
        name = "\(term.op)_\(index)"
        index += 1
      }
      names.append(name)
    }
    return valid ? names : nil
  }

  /// One term: its loss node's output, or nil after reporting why there is none.
  private func lower(_ loss: LossDecl, nodeName: String, scope: LoweringScope) -> ValueID? {
    guard let opType = OpRegistry.op(named: loss.op), opType.schema.category == .loss else {
      let losses = OpRegistry.all.map { $0.schema }.filter { $0.category == .loss }.map(\.name)
      var diagnostic = Diagnostic(.unknownOp, at: loss.opSpan, "unknown loss `\(loss.op)`")
      if let suggestion = Suggestions.didYouMean(loss.op, in: losses) {
        diagnostic = diagnostic.help(suggestion)
      }
      lowerer.diagnostics.append(diagnostic.help("the losses are \(Suggestions.list(losses))"))
      return nil
    }
    let validator = AttributeValidator(schema: opType.schema, resolver: scope.resolver)
    let attributes = validator.validate(
      entries: loss.attributes, shorthand: nil, layerSpan: loss.opSpan, &lowerer.diagnostics)
    guard let attributes, let op = opType.makeObjective(attributes) else { return nil }
    guard let reads = reads(loss, op: op, scope: scope) else { return nil }
    if let op = op as? any LossOperator {
      return add(op, loss: loss, nodeName: nodeName, prediction: reads[0], attributes: attributes)
    }
    if let target = loss.target {
      lowerer.diagnostics.append(
        Diagnostic(.badLoss, at: target.span, "`\(loss.op)` compares the layers it reads and takes no target")
          .help("remove `target: \(target.name)`"))
      return nil
    }
    let inference: Inference
    do {
      inference = try op.infer(reads.map { lowerer.graph.values[$0].type })
    } catch {
      report(error, loss: loss, reads: reads, attributes: attributes)
      return nil
    }
    return addNode(op, loss: loss, nodeName: nodeName, inputs: reads, inference: inference, attributes: attributes)
  }

  /// The values the term reads: its `from:` layers, or the model's output.
  private func reads(_ loss: LossDecl, op: any ObjectiveOperator, scope: LoweringScope) -> [ValueID]? {
    let count = op is any LossOperator ? 1 : 2
    guard !loss.from.isEmpty else {
      guard count == 1 else {
        lowerer.diagnostics.append(
          Diagnostic(.missingAttribute, at: loss.opSpan, "`\(loss.op)` reads \(count) layers: give them with `from:`")
            .help("for example `{\(loss.op): {from: [mu, logvar]}}`"))
        return nil
      }
      return lowerer.graph.outputs.first.map { [$0] }
    }
    guard loss.from.count == count else {
      let layers = count == 1 ? "one layer, the prediction" : "\(count) layers"
      lowerer.diagnostics.append(
        Diagnostic(
          .wrongInputCount, at: loss.fromSpan ?? loss.opSpan,
          "`\(loss.op)` reads \(layers), `from` names \(loss.from.count)"
        )
        .help(
          count == 1
            ? "name one layer, e.g. `from: logits`; a list of losses is written as a list under `loss:`"
            : "name \(count) layers, e.g. `from: [mu, logvar]`"))
      return nil
    }
    var values: [ValueID] = []
    for reference in loss.from {
      guard case .value(let id) = lowerer.lookup(reference, scope: scope) else { return nil }
      values.append(id)
    }
    return values
  }

  /// The target value and the loss node of a term that scores a prediction
  /// (generic, so the op's typed throws are called on a concrete type).
  private func add<Loss: LossOperator>(
    _ op: Loss, loss: LossDecl, nodeName: String, prediction predictionID: ValueID, attributes: Attributes
  ) -> ValueID? {
    let predictionType = lowerer.graph.values[predictionID].type
    let target = loss.targetOrDefault
    let targetID: ValueID
    if let existing = lowerer.graph.value(named: target.name) {
      guard lowerer.graph.values[existing].isData else {
        lowerer.diagnostics.append(
          Diagnostic(.duplicateName, at: target.span, "the target `\(target.name)` has the name of a layer")
            .help("name the target after the data it holds, e.g. `label`, or a model input"))
        return nil
      }
      targetID = existing
    } else {
      let targetType: TensorType
      do {
        targetType = try op.targetType(for: predictionType)
      } catch {
        report(error, loss: loss, reads: [predictionID], attributes: attributes)
        return nil
      }
      targetID = lowerer.addValue(Value(name: target.name, type: targetType, role: .target, span: target.span))
      lowerer.graph.targets.append(targetID)
    }
    let inference: Inference
    do {
      inference = try op.infer([predictionType, lowerer.graph.values[targetID].type])
    } catch {
      report(error, loss: loss, reads: [predictionID, targetID], attributes: attributes)
      return nil
    }
    return addNode(
      op, loss: loss, nodeName: nodeName, inputs: [predictionID, targetID], inference: inference,
      attributes: attributes)
  }

  private func addNode(
    _ op: any Operator, loss: LossDecl, nodeName: String, inputs: [ValueID], inference: Inference,
    attributes: Attributes
  ) -> ValueID? {
    lowerer.addNode(
      name: nodeName, op: op, inputs: inputs, inference: inference, span: loss.opSpan, attributes: attributes,
      trainable: true
    ).map { lowerer.graph.nodes[$0].outputs[0] }
  }

  /// A shape error at the term (or the attribute at fault), labelled at the
  /// prediction (for a layer pair, the layer at fault), and at the target too
  /// when it is a model input.
  private func report(_ error: ShapeError, loss: LossDecl, reads: [ValueID], attributes: Attributes) {
    let span = error.attribute.flatMap { attributes.spans[$0] } ?? loss.opSpan
    var diagnostic = Diagnostic(.badLoss, at: span, "loss `\(loss.op)`: \(error.message)")
    let scoresTarget = reads.count == 2 && lowerer.graph.values[reads[1]].isData
    let labelled = scoresTarget ? reads[0] : reads[min(error.input ?? 0, reads.count - 1)]
    let value = lowerer.graph.values[labelled]
    diagnostic = diagnostic.label(
      value.span, "\(scoresTarget || reads.count == 1 ? "the prediction " : "")`\(value.name)` is \(value.type) here")
    if scoresTarget, error.input == 1, lowerer.graph.values[reads[1]].role == .input {
      let target = lowerer.graph.values[reads[1]]
      diagnostic = diagnostic.label(target.span, "the target `\(target.name)` is \(target.type) here")
    }
    if let help = error.help { diagnostic = diagnostic.help(help) }
    lowerer.diagnostics.append(diagnostic)
  }
}

extension Value {
  /// A model input or a target: data, not a layer's output.
  fileprivate var isData: Bool { role == .input || role == .target }
}

extension Operator {
  /// An instance of this op as a training objective, or nil if it is not one.
  fileprivate static func makeObjective(_ attributes: Attributes) -> (any ObjectiveOperator)? {
    Self(attributes) as? any ObjectiveOperator
  }
}
