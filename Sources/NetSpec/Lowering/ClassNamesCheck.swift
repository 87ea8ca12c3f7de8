import NetSpecDiagnostics

/// `data.classes` against the model: one name per class of a
/// `cross_entropy` loss's logits.
enum ClassNamesCheck {
  static func check(_ classes: ClassNames, graph: Graph, _ diagnostics: inout DiagnosticBag) {
    guard let loss = graph.lossNode, loss.op is CrossEntropyLoss,
      let count = graph.values[loss.inputs[0]].type.shape.last?.staticValue
    else {
      diagnostics.append(
        Diagnostic(.badData, at: classes.span, "`classes` names the classes of a `cross_entropy` model")
          .help("remove `classes`, or train with `loss: cross_entropy`"))
      return
    }
    guard classes.names.count == count else {
      diagnostics.append(
        Diagnostic(
          .badData, at: classes.span,
          "`classes` lists \(classes.names.count) names but the model predicts \(count) classes"
        ).help("give one name per class index 0 to \(count - 1)"))
      return
    }
  }
}
