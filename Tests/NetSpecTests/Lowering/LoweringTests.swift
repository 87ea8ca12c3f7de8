import NetSpecDiagnostics
import Testing

@testable import NetSpec

@Suite struct SequentialLoweringTests {
  @Test func denseStackHasNamesShapesAndParameters() throws {
    let (graph, diagnostics) = lower(spec("  - dense: {units: 32, activation: relu}\n  - dense: 10\n"))
    #expect(diagnostics.isEmpty)
    let g = try #require(graph)
    #expect(g.nodes.map(\.name) == ["dense_1", "dense_2"])
    #expect(g.parameters.map(\.name) == ["dense_1.weight", "dense_1.bias", "dense_2.weight", "dense_2.bias"])
    #expect(g.parameterCount == 64 * 32 + 32 + 32 * 10 + 10)
    #expect(g.values[g.outputs[0]].type.shape == [Dim.symbol("N"), Dim(10)])
  }

  @Test func shapeErrorPointsAtLayerAndLabelsProducer() throws {
    let (graph, diagnostics) = lower(
      spec(
        inputs: "image: [N, 1, 28, 28]",
        "  - conv2d: {filters: 16, kernel: 5}\n  - flatten\n  - conv2d: {filters: 4, kernel: 3}\n"))
    #expect(graph == nil)
    let d = try #require(diagnostics.first)
    #expect(diagnostics.count == 1)
    #expect(d.code == .rankMismatch)
    #expect(position(d) == "6:5")
    #expect(d.message.contains("expected a rank-4 input [N, C, H, W], got rank 2 [N, 9216]"))
    #expect(d.labels.first?.message == "`flatten_1` outputs [N, 9216] here")
    #expect(d.labels.first?.span.start.line == 5)
  }

  @Test func producerLabelCountsFeaturesOfFeatureMaps() throws {
    let (_, diagnostics) = lower(
      spec(
        inputs: "image: [N, 16, 5, 5]",
        "  - relu: {name: conv2}\n  - dense: {units: 10, from: image}\n  - add: {from: [dense_1, conv2]}\n"))
    let d = try #require(diagnostics.first { $0.code == .shapeMismatch })
    #expect(d.labels.contains { $0.message.contains("16x5x5 = 400 features") })
  }

  @Test func kernelLargerThanInputIsReportedAtTheKernel() throws {
    let (_, diagnostics) = lower(spec(inputs: "image: [N, 1, 8, 8]", "  - conv2d: {filters: 4, kernel: 9}\n"))
    let d = try #require(diagnostics.first)
    #expect(d.code == .nonPositiveDimension)
    #expect(position(d) == "4:34")
  }

  @Test func oneMistakeDoesNotCascade() {
    let (_, diagnostics) = lower(
      spec("  - dense: {units: 0}\n  - relu\n  - dense: {units: 10, name: out}\n  - add: {from: [out, out]}\n"))
    #expect(diagnostics.map(\.code) == [.valueOutOfRange])
  }

  /// `relu6` is an op of its own (MobileNetV2), not a misspelling of `relu`, and
  /// a misspelled activation is offered the nearest one.
  @Test func relu6IsAnOpAndMisspelledActivationsGetTheNearest() throws {
    let (graph, diagnostics) = lower(spec("  - relu6\n  - dense: {units: 10, activation: relu6}\n"))
    #expect(diagnostics.isEmpty)
    #expect(try #require(graph).nodes.map(\.opName) == ["relu6", "dense"])
    let (_, misspelled) = lower(spec("  - hardswsh\n  - dense: {units: 10, activation: hardsigmod}\n"))
    #expect(misspelled.map(\.code) == [.unknownOp, .valueOutOfRange])
    #expect(misspelled[0].helps == ["did you mean `hardswish`?"])
    #expect(misspelled[1].helps.first == "did you mean `hardsigmoid`?")
  }

  @Test func independentErrorsAreAllReported() {
    let (_, diagnostics) = lower(spec("  - dense: {units: 0}\n  - dropuot: 0.5\n  - dense: {unit: 3}\n"))
    #expect(diagnostics.map(\.code) == [.valueOutOfRange, .unknownOp, .unknownAttribute])
    #expect(diagnostics[1].helps == ["did you mean `dropout`?"])
    #expect(diagnostics[2].helps == ["did you mean `units`?"])
  }

  @Test func misspelledRequiredAttributeIsNotAlsoMissing() {
    let (_, diagnostics) = lower(spec(inputs: "i: [N, 1, 8, 8]", "  - conv2d: {filters: 2, kernal: 3}\n"))
    #expect(diagnostics.map(\.code) == [.unknownAttribute])
  }

  @Test func firstLayerNeedsFromWithSeveralInputs() {
    let (_, diagnostics) = lower(spec(inputs: "a: [N, 4], b: [N, 4]", "  - relu\n"))
    #expect(diagnostics.map(\.code) == [.missingKey])
    #expect(diagnostics[0].helps[0].contains("from: a"))
  }

  @Test func unknownReferenceSuggestsANearName() {
    let (_, diagnostics) = lower(spec("  - dense: {units: 4, name: hidden}\n  - relu: {from: hiden}\n"))
    #expect(diagnostics.map(\.code) == [.unknownReference])
    #expect(diagnostics[0].helps == ["did you mean `hidden`?"])
  }

  @Test func duplicateNamesAreReportedWithTheFirstDefinition() {
    let (_, diagnostics) = lower(spec("  - dense: {units: 4, name: h}\n  - dense: {units: 4, name: h}\n"))
    #expect(diagnostics.map(\.code) == [.duplicateName])
    #expect(diagnostics[0].labels.first?.span.start.line == 4)
  }

  @Test func lossIsAnErrorAsALayer() {
    let (_, diagnostics) = lower(spec("  - mse\n"))
    #expect(diagnostics.map(\.code) == [.unknownOp])
    #expect(diagnostics[0].message.contains("is a loss"))
  }

  @Test func unusedBranchIsAWarning() throws {
    let (graph, diagnostics) = lower(spec("  - dense: {units: 4, name: side}\n  - dense: {units: 2, from: x}\n"))
    #expect(graph != nil)
    #expect(diagnostics.map(\.code) == [.unusedValue])
    #expect(diagnostics[0].severity == .warning)
  }

  @Test func lossAddsTargetOfTheRightType() throws {
    let (graph, diagnostics) = lower(
      spec("  - dense: {units: 10, name: logits}\n", extra: "train: {loss: cross_entropy}\n"))
    #expect(diagnostics.isEmpty)
    let g = try #require(graph)
    let target = g.values[try #require(g.targets.first)]
    #expect(target.name == "label")
    #expect(target.type == TensorType([Dim.symbol("N")], .int32))
    #expect(g.values[try #require(g.loss)].type.shape.isEmpty)
  }

  @Test func unknownLossSuggestsOne() {
    let (_, diagnostics) = lower(spec("  - dense: 3\n", extra: "train: {loss: cross_entropi}\n"))
    #expect(diagnostics.map(\.code) == [.unknownOp])
    #expect(diagnostics[0].helps.first == "did you mean `cross_entropy`?")
  }
}

@Suite struct VariableTests {
  @Test func expressionsUseVariablesAndOverrides() throws {
    let text = spec("  - dense: {units: $width * 2 + 1}\n", extra: "vars: {width: 8}\n")
    let (graph, _) = lower(text)
    #expect(try #require(graph).values.last!.type.shape.last == Dim(17))
    let (overridden, _) = lower(text, overrides: ["width": .int(3)])
    #expect(try #require(overridden).values.last!.type.shape.last == Dim(7))
  }

  @Test func unknownOverrideIsReported() {
    let (_, diagnostics) = lower(spec("  - dense: 2\n", extra: "vars: {width: 8}\n"), overrides: ["widht": .int(3)])
    #expect(diagnostics.map(\.code) == [.badOverride])
    #expect(diagnostics[0].helps == ["did you mean `width`?"])
  }

  @Test func undefinedVariablePointsIntoTheExpression() throws {
    let (_, diagnostics) = lower(spec("  - dense: {units: 2 * $widht}\n", extra: "vars: {width: 8}\n"))
    let d = try #require(diagnostics.first)
    #expect(d.code == .undefinedVariable)
    #expect(position(d) == "5:24")
    #expect(d.helps == ["did you mean `$width`?"])
  }

  @Test(arguments: [
    ("$a // 0", DiagnosticCode.arithmeticError),
    ("9223372036854775807 + 1", .arithmeticError),
    ("(1 + 2", .badExpression),
    ("3 +", .badExpression),
    ("$a + sqrt(4)", .badExpression),
    ("sqrt(4)", .typeMismatch),
  ])
  func badExpressions(text: String, code: DiagnosticCode) {
    let (_, diagnostics) = lower(spec("  - dense: {units: \(text)}\n", extra: "vars: {a: 2}\n"))
    #expect(diagnostics.map(\.code) == [code])
  }
}

@Suite struct BlockTests {
  static let residual = """
    blocks:
      res:
        args: {width: required, scale: 1}
        layers:
          - dense: {units: $width * $scale, name: inner}
          - add: {from: [inner, input]}

    """

  @Test func blocksExpandWithQualifiedNames() throws {
    let (graph, diagnostics) = lower(spec("  - res: {width: 64, name: r}\n    repeat: 2\n", extra: Self.residual))
    #expect(diagnostics.isEmpty)
    let g = try #require(graph)
    #expect(g.nodes.map(\.name) == ["r.0.inner", "r.0.add_1", "r.1.inner", "r.1.add_1"])
    #expect(g.parameterCount == 2 * (64 * 64 + 64))
  }

  @Test func missingAndUnknownArguments() {
    let (_, diagnostics) = lower(spec("  - res: {widht: 64}\n", extra: Self.residual))
    #expect(diagnostics.map(\.code) == [.unknownArgument])
    #expect(diagnostics[0].helps == ["did you mean `width`?"])
    let (_, missing) = lower(spec("  - res: {scale: 2}\n", extra: Self.residual))
    #expect(missing.map(\.code) == [.missingArgument])
  }

  @Test func recursiveBlocksAreRejected() {
    let blocks = "blocks:\n  a: {layers: [b]}\n  b: {layers: [a]}\n"
    let (_, diagnostics) = lower(spec("  - a\n", extra: blocks))
    #expect(diagnostics.map(\.code) == [.recursiveBlock])
  }

  @Test func blocksSeeOnlyTheirOwnNames() {
    let blocks = "blocks:\n  b: {layers: [{relu: {from: outer}}]}\n"
    let (_, diagnostics) = lower(spec("  - dense: {units: 64, name: outer}\n  - b\n", extra: blocks))
    #expect(diagnostics.map(\.code) == [.unknownReference])
  }

  @Test func repeatChainsTheFirstInputAndKeepsTheOthers() throws {
    let blocks = "blocks:\n  mix:\n    inputs: [x, memory]\n    layers: [{add: {from: [x, memory]}}]\n"
    let (graph, diagnostics) = lower(
      spec(inputs: "a: [N, 4], m: [N, 4]", "  - mix: {from: [a, m], name: stack}\n    repeat: 3\n", extra: blocks))
    #expect(diagnostics.isEmpty)
    let g = try #require(graph)
    let m = try #require(g.value(named: "m"))
    #expect(g.nodes.map(\.inputs[1]) == [m, m, m])
    #expect(g.nodes[1].inputs[0] == g.nodes[0].outputs[0])
    #expect(g.nodes[2].inputs[0] == g.nodes[1].outputs[0])
  }

  @Test func indexVariableNumbersCopies() throws {
    let (graph, _) = lower(spec("  - dense: {units: $index + 1}\n    repeat: 3\n"))
    let g = try #require(graph)
    #expect(g.nodes.map { $0.name } == ["dense_1.0", "dense_1.1", "dense_1.2"])
    #expect(g.values[g.outputs[0]].type.shape.last == Dim(3))
  }

  @Test func repeatLimitIsEnforced() {
    let (_, diagnostics) = lower(spec("  - relu:\n    repeat: 1000000\n"))
    #expect(diagnostics.map(\.code) == [.valueOutOfRange])
  }
}

@Suite struct TyingTests {
  @Test func tiedParametersAreCountedOnce() throws {
    let layers = """
        - embedding: {vocab: 100, dim: 16, name: embed}
        - dense: {units: 100, bias: false, tie: embed}

      """
    let (graph, diagnostics) = lower(spec(inputs: "t: {shape: [N, T], dtype: int32}", layers))
    #expect(diagnostics.isEmpty)
    let g = try #require(graph)
    #expect(g.parameterCount == 100 * 16)
    #expect(g.nodes[1].parameters[0].id == g.nodes[0].parameters[0].id)
  }

  @Test func tyingMismatchedShapesIsAnError() {
    let layers = "  - dense: {units: 8, name: a}\n  - dense: {units: 8, tie: a}\n"
    let (_, diagnostics) = lower(spec(layers))
    #expect(diagnostics.map(\.code) == [.shapeMismatch])
  }

  @Test func frozenLayersAreNotTrainable() throws {
    let (graph, _) = lower(spec("  - dense: {units: 8, trainable: false}\n  - dense: 2\n"))
    let g = try #require(graph)
    #expect(g.parameters.map(\.trainable) == [false, false, true, true])
  }
}
