import NetSpecDiagnostics

/// Lowers `train.loss`: validates the loss op and its attributes, creates the
/// target value the data must provide, and adds the loss node to the graph.
struct LossLowering {
  let lowerer: Lowerer

  func lower(_ loss: LossDecl, scope: LoweringScope) {
    guard let opType = OpRegistry.op(named: loss.op), opType.schema.category == .loss else {
      let losses = OpRegistry.all.map { $0.schema }.filter { $0.category == .loss }.map(\.name)
      var diagnostic = Diagnostic(.unknownOp, at: loss.opSpan, "unknown loss `\(loss.op)`")
      if let suggestion = Suggestions.didYouMean(loss.op, in: losses) {
        diagnostic = diagnostic.help(suggestion)
      }
      lowerer.diagnostics.append(diagnostic.help("the losses are \(Suggestions.list(losses))"))
      return
    }
    let validator = AttributeValidator(schema: opType.schema, resolver: scope.resolver)
    let attributes = validator.validate(
      entries: loss.attributes, shorthand: nil, layerSpan: loss.opSpan, &lowerer.diagnostics)
    var prediction = Flow.poisoned
    if let from = loss.from {
      prediction = lowerer.lookup(from, scope: scope)
    } else if let output = lowerer.graph.outputs.first {
      prediction = .value(output)
    }
    guard let attributes, case .value(let predictionID) = prediction else { return }
    guard let op = opType.makeLoss(attributes) else { return }
    add(op, loss: loss, prediction: predictionID, attributes: attributes)
  }

  /// Creates the target value and the loss node (generic, so the op's typed
  /// throws are called on a concrete type).
  private func add<Loss: LossOperator>(
    _ op: Loss, loss: LossDecl, prediction predictionID: ValueID, attributes: Attributes
  ) {
    if lowerer.graph.value(named: loss.target.name) != nil {
      lowerer.diagnostics.append(
        Diagnostic(
          .duplicateName, at: loss.target.span, "the target `\(loss.target.name)` has the name of a layer or input"
        )
        .help("name the target after the data it holds, e.g. `label`"))
      return
    }
    let predictionType = lowerer.graph.values[predictionID].type
    let targetType: TensorType
    do {
      targetType = try op.targetType(for: predictionType)
    } catch {
      report(error, loss: loss, prediction: predictionID)
      return
    }
    let target = lowerer.addValue(
      Value(name: loss.target.name, type: targetType, role: .target, span: loss.target.span))
    lowerer.graph.targets.append(target)
    let inference: Inference
    do {
      inference = try op.infer([predictionType, targetType])
    } catch {
      report(error, loss: loss, prediction: predictionID)
      return
    }
    if let node = lowerer.addNode(
      name: "loss", op: op, inputs: [predictionID, target], inference: inference,
      span: loss.opSpan, attributes: attributes, trainable: true)
    {
      lowerer.graph.loss = lowerer.graph.nodes[node].outputs[0]
    }
  }

  private func report(_ error: ShapeError, loss: LossDecl, prediction: ValueID) {
    let value = lowerer.graph.values[prediction]
    var diagnostic = Diagnostic(.badLoss, at: loss.opSpan, "loss `\(loss.op)`: \(error.message)")
      .label(value.span, "the prediction `\(value.name)` is \(value.type) here")
    if let help = error.help { diagnostic = diagnostic.help(help) }
    lowerer.diagnostics.append(diagnostic)
  }
}

extension Operator {
  /// An instance of this op as a loss, or nil if it is not one.
  fileprivate static func makeLoss(_ attributes: Attributes) -> (any LossOperator)? {
    Self(attributes) as? any LossOperator
  }
}
