import NetSpecDiagnostics

/// Warnings about models that check but probably do not train as meant:
/// a probability layer in front of a loss that takes logits, an activation
/// on the logits, dropout as the last layer, a bias that batchnorm cancels.
/// Each says what to change, with a fix-it (``LintFixes``) where the layout
/// allows; `netspec check --warnings-as-errors` fails on them.
struct ModelLints {
  let graph: Graph

  func run(_ diagnostics: inout DiagnosticBag) {
    let losses = graph.lossTerms.map { graph.nodes[$0.node] }
    for loss in losses {
      logits(of: loss, &diagnostics)
      classAxis(of: loss, &diagnostics)
    }
    let predictions = losses.filter { $0.op is any LossOperator }.map { $0.inputs[0] }
    for value in Set(graph.outputs + predictions).sorted() {
      if let node = producer(of: value), node.op is Dropout {
        diagnostics.append(
          Diagnostic(
            .dropoutAfterLastLayer, at: node.span,
            "layer `\(node.name)` (dropout) is the last layer: it zeroes predictions, not features"
          )
          .help("remove it, or move it before the last `dense` layer")
          .fix(LintFixes.deleteLayer(node, "remove the `dropout` layer")))
      }
    }
    for node in graph.nodes where node.op is BatchNorm { biasBefore(node, &diagnostics) }
  }

  private func producer(of value: ValueID) -> Node? {
    guard case .activation(let id) = graph.values[value].role else { return nil }
    return graph.nodes[id]
  }

  /// `cross_entropy` without `axis` on rank-3 logits from a layer other than
  /// `dense`: their last axis may not hold the classes (PyTorch's `[N, C, T]`).
  private func classAxis(of loss: Node, _ diagnostics: inout DiagnosticBag) {
    guard let crossEntropy = loss.op as? CrossEntropyLoss, crossEntropy.axis == nil else { return }
    let logits = graph.values[loss.inputs[0]]
    guard logits.type.rank == 3, !(producer(of: loss.inputs[0])?.op is Dense) else { return }
    let shape = logits.type.shape
    var diagnostic = Diagnostic(
      .ambiguousClassAxis, at: loss.span,
      "`cross_entropy` reads the last axis of `\(logits.name)` \(shape.shapeDescription) as its \(shape[2]) classes"
    )
    .label(logits.span, "`\(logits.name)` is \(logits.type) here, from a layer that is not `dense`")
    if let node = producer(of: loss.inputs[0]) {
      diagnostic = diagnostic.help(
        "if `\(node.name)` (\(node.opName)) gives PyTorch's layout [N, C, T], write `axis: 1`")
    }
    diagnostics.append(diagnostic.help("write `axis: -1` to say the classes are last"))
  }

  /// The probability or activation layer in front of a loss that takes logits.
  private func logits(of loss: Node, _ diagnostics: inout DiagnosticBag) {
    let takesLogits = loss.op is CrossEntropyLoss || loss.op is BinaryCrossEntropyLoss
    guard takesLogits, let node = producer(of: loss.inputs[0]) else { return }
    let lossName = loss.opName
    let activation: String?
    let span: SourceSpan?
    switch node.op {
    case is Softmax: (activation, span) = ("softmax", node.span)
    case is any ElementwiseActivation: (activation, span) = (node.opName, node.span)
    case let dense as Dense: (activation, span) = (dense.activation?.rawValue, node.attributes.spans["activation"])
    case let conv as Conv2D: (activation, span) = (conv.activation?.rawValue, node.attributes.spans["activation"])
    default: (activation, span) = (nil, nil)
    }
    guard let activation else { return }
    let isAttribute = node.op is Dense || node.op is Conv2D
    let remove =
      isAttribute ? "remove `activation: \(activation)` from `\(node.name)`" : "remove the `\(activation)` layer"
    let fix =
      isAttribute ? LintFixes.deleteAttribute(node, "activation", remove) : LintFixes.deleteLayer(node, remove)
    switch (activation, loss.op) {
    case ("softmax", is CrossEntropyLoss):
      diagnostics.append(
        Diagnostic(
          .softmaxBeforeCrossEntropy, at: span,
          "`\(lossName)` applies log-softmax itself: this softmax makes it see probabilities instead of logits"
        )
        .label(loss.span, "the loss reads `\(node.name)` here")
        .help("\(remove); `netspec predict` reports probabilities from the logits").fix(fix))
    case ("sigmoid", is BinaryCrossEntropyLoss):
      diagnostics.append(
        Diagnostic(
          .sigmoidBeforeBinaryCrossEntropy, at: span,
          "`\(lossName)` applies the sigmoid itself: this sigmoid makes it see probabilities instead of logits"
        )
        .label(loss.span, "the loss reads `\(node.name)` here")
        .help("\(remove); `netspec predict` reports probabilities from the logits").fix(fix))
    default:
      diagnostics.append(
        Diagnostic(
          .activationOnLogits, at: span,
          "`\(activation)` on the logits of `\(lossName)` limits the scores the loss can reach"
        )
        .label(loss.span, "the loss reads `\(node.name)` here")
        .help("\(remove): the last layer before `\(lossName)` should be linear").fix(fix))
    }
  }

  /// A `dense` or `conv2d` with a bias and no activation feeding only batchnorm.
  private func biasBefore(_ norm: Node, _ diagnostics: inout DiagnosticBag) {
    let input = norm.inputs[0]
    guard let node = producer(of: input), graph.soleConsumer(of: input) != nil else { return }
    let hasBias: Bool
    switch node.op {
    case let dense as Dense: hasBias = dense.bias && dense.activation == nil
    case let conv as Conv2D: hasBias = conv.bias && conv.activation == nil
    default: hasBias = false
    }
    guard hasBias else { return }
    diagnostics.append(
      Diagnostic(
        .biasBeforeBatchNorm, at: node.attributes.spans["bias"] ?? node.span,
        "the bias of `\(node.name)` (\(node.opName)) is cancelled by the batchnorm after it"
      )
      .label(norm.span, "`\(norm.name)` subtracts the mean here, and adds its own shift")
      .help("set `bias: false` on `\(node.name)`")
      .fix(LintFixes.setAttribute(node, "bias", to: "false", "set `bias: false` on `\(node.name)`")))
  }
}
