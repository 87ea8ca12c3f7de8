import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// An op applied to inputs, for table-driven tests: attributes are filled with the
/// schema's defaults as ``Attributes/init(_:_:)`` does.
struct OpCall: Sendable, CustomTestStringConvertible {
  var op: any Operator.Type
  var attributes: [String: SpecValue.Kind]
  var inputs: [TensorType]

  init(_ op: any Operator.Type, _ attributes: [String: SpecValue.Kind] = [:], _ inputs: TensorType...) {
    self.op = op
    self.attributes = attributes
    self.inputs = inputs
  }

  func infer() throws(ShapeError) -> Inference {
    try op.init(Attributes(op.schema, attributes)).infer(inputs)
  }

  /// `maxpool2d {kernel: 2} [N, 1, 28, 28]`
  var testDescription: String {
    let given = attributes.keys.sorted().map { "\($0): \(describe(attributes[$0]!))" }
    return "\(op.schema.name) {\(given.joined(separator: ", "))} "
      + inputs.map(\.description).joined(separator: " ")
  }

  private func describe(_ kind: SpecValue.Kind) -> String {
    SpecValue(kind, span: testSpan).description
  }
}

/// A call that must fail, with the error it must raise: its code, the input or
/// attribute it blames, words its message must contain (expected and actual
/// shapes) and, when `help` is set, text its help line must contain.
struct ShapeErrorCase: Sendable, CustomTestStringConvertible {
  var call: OpCall
  var code: DiagnosticCode
  var input: Int?
  var attribute: String?
  var mentions: [String]
  var help: String?

  init(
    _ call: OpCall, _ code: DiagnosticCode, input: Int? = nil, attribute: String? = nil,
    mentions: [String], help: String? = nil
  ) {
    self.call = call
    self.code = code
    self.input = input
    self.attribute = attribute
    self.mentions = mentions
    self.help = help
  }

  var testDescription: String { "\(call.testDescription) -> \(code.name)" }
}

/// Runs `call` of an op without parameters or buffers and checks its one
/// output and its FLOPs.
func expectParameterlessInference(
  _ call: OpCall, output: TensorType, flops: Dim?, sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws {
  let inference = try call.infer()
  #expect(inference.outputs == [output], sourceLocation: sourceLocation)
  #expect(inference.flops == flops, sourceLocation: sourceLocation)
  #expect(inference.parameters.isEmpty && inference.buffers.isEmpty, sourceLocation: sourceLocation)
}

/// Runs the case's call and checks the ``ShapeError`` it throws.
func expectShapeError(
  _ expected: ShapeErrorCase, sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
  let error = #expect(throws: ShapeError.self, sourceLocation: sourceLocation) {
    try expected.call.infer()
  }
  guard let error else { return }
  #expect(error.code == expected.code, "\(error.message)", sourceLocation: sourceLocation)
  #expect(error.input == expected.input, "\(error.message)", sourceLocation: sourceLocation)
  #expect(error.attribute == expected.attribute, "\(error.message)", sourceLocation: sourceLocation)
  for word in expected.mentions {
    #expect(error.message.contains(word), "\(error.message)", sourceLocation: sourceLocation)
  }
  if let help = expected.help {
    #expect(error.help?.contains(help) == true, "\(error.help ?? "no help")", sourceLocation: sourceLocation)
  }
}

private let testSpan = SourceSpan(file: SourceFile(path: "test.yaml", text: ""), from: 0, to: 0)

/// A list attribute value such as `[2, 3]` or `[T, -1]`.
func specList(_ items: SpecValue.Kind...) -> SpecValue.Kind {
  .list(items.map { SpecValue($0, span: testSpan) })
}
