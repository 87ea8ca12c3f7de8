/// How an op is written in PyTorch, for `netspec export --format pytorch`.
///
/// Every op of ``OpRegistry`` conforms, in one extension at the end of its own
/// file: the submodule that holds its parameters (whose attribute names are
/// NetSpec's parameter names, so `state_dict` keys match the safetensors
/// names) and the Python expression of its output. An op or attribute with no
/// exact PyTorch form throws ``TorchExportError``, which the exporter reports
/// at the layer.
public protocol TorchExportable {
  /// The constructor of the submodule holding the layer's own parameters and
  /// buffers (`nn.Linear(400, 120)`), or nil when the layer has none.
  func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String?
  /// The Python expression of the layer's output, from ``TorchLayer/inputs``
  /// (for a loss, `[prediction, target]`).
  func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String
  /// The op's PyTorch equivalent as docs/OPS.md gives it (Markdown). The
  /// default is what `netspec export --format pytorch` writes for the op's
  /// first example (``TorchEquivalent/rendered(_:)``); an op appends what the
  /// example does not show, and one whose form is not exact says why.
  static var torchEquivalent: String { get }
}

extension TorchExportable {
  /// No parameters: no submodule.
  public func torchModule(_ layer: TorchLayer) throws(TorchExportError) -> String? { nil }
}

extension TorchExportable where Self: ExecutableOperator {
  /// The first example as exported (``TorchEquivalent/rendered(_:)``).
  public static var torchEquivalent: String { TorchEquivalent.describe(Self.self) }
}

/// The PyTorch equivalent of an op, rendered from its first example through
/// its own ``TorchExportable`` methods, so docs/OPS.md says what the exporter
/// writes and cannot drift from it.
public enum TorchEquivalent {
  /// What ``describe(_:)`` says when the first example has no PyTorch form;
  /// such an op must override ``TorchExportable/torchEquivalent`` (a test
  /// holds every op to it).
  public static let missing = "no PyTorch form rendered"

  /// The rendered example, or ``missing`` with the exporter's reason.
  public static func describe<Op: ExecutableOperator & TorchExportable>(_ type: Op.Type) -> String {
    do { return try rendered(type) } catch { return "\(missing): \(error.message)" }
  }

  /// `` `nn.Linear(4, 3)` called as `self.layer(x)`, for `dense: {units: 3}` on x `[N, 4]` ``:
  /// the submodule and the output expression model.py holds for the op's
  /// first example (with the helpers model.py defines for it).
  public static func rendered<Op: ExecutableOperator & TorchExportable>(
    _ type: Op.Type
  ) throws(TorchExportError) -> String {
    guard let example = Op.examples.first else { throw TorchExportError("the op has no example") }
    let op = Op(Attributes(Op.schema, example.attributes))
    let objective = op is any ObjectiveOperator
    let names =
      objective
      ? ["prediction", "target"]
      : example.inputs.count == 1 ? ["x"] : example.inputs.indices.map { "x\($0)" }
    let outputs: [TensorType]
    do { outputs = try op.infer(example.inputs).outputs } catch {
      throw TorchExportError("its first example does not infer: \(error.message)")
    }
    let layer = TorchLayer(
      inputs: names, inputTypes: example.inputs, outputType: outputs[0], module: objective ? "" : "self.layer",
      outputTypes: outputs)
    let module = try op.torchModule(layer)
    var text = module.map { "`self.layer = \($0)`, then " } ?? ""
    text += "`\(try op.torchForward(layer))`"
    let attributes = example.attributes.keys.sorted().map { "\($0): \(example.attributes[$0]!)" }
    let spec =
      attributes.isEmpty ? "`\(Op.schema.name)`" : "`\(Op.schema.name): {\(attributes.joined(separator: ", "))}`"
    let shapes = zip(names, example.inputs).map { "\($0) `\($1.shape.shapeDescription)`" }
    text += ", for \(spec) on \(shapes.joined(separator: " and "))"
    if !layer.helpers.isEmpty {
      text += " (model.py defines \(layer.helpers.keys.sorted().map { "`\($0)`" }.joined(separator: ", ")))"
    }
    return text
  }
}

/// Why a layer has no exact PyTorch form: the message, and the attribute at
/// fault when there is one (the diagnostic points at its value).
public struct TorchExportError: Error, Sendable {
  public var message: String
  public var attribute: String?
  public var help: String?

  public init(_ message: String, attribute: String? = nil, help: String? = nil) {
    self.message = message
    self.attribute = attribute
    self.help = help
  }
}

/// One layer as an op's ``TorchExportable`` methods see it: the Python
/// expressions of its inputs, its types, its submodule and parameters, and
/// the helper definitions model.py must hold for it.
public final class TorchLayer {
  /// Python expressions of the inputs (variables of `forward`).
  public let inputs: [String]
  public let inputTypes: [TensorType]
  public let outputType: TensorType
  /// The types of every output (``outputType`` first); a layer with several
  /// gives a tuple expression, one element per output.
  public let outputTypes: [TensorType]
  /// The expression of the layer's submodule, e.g. `self.conv1` or `self.layer1["0"].conv1`.
  public let module: String
  /// Expressions of the parameters owned by another layer (ties), by local name.
  let tiedParameters: [String: String]
  /// Python definitions (helper classes and functions) the layer needs, by name.
  private(set) var helpers: [String: String] = [:]

  init(
    inputs: [String], inputTypes: [TensorType], outputType: TensorType, module: String,
    tiedParameters: [String: String] = [:], outputTypes: [TensorType]? = nil
  ) {
    self.inputs = inputs
    self.inputTypes = inputTypes
    self.outputType = outputType
    self.outputTypes = outputTypes ?? [outputType]
    self.module = module
    self.tiedParameters = tiedParameters
  }

  /// The first input.
  public var x: String { inputs[0] }

  /// Whether the parameter `local` (`weight`) is another layer's (`tie:`).
  public func isTied(_ local: String) -> Bool { tiedParameters[local] != nil }

  /// The expression of parameter `local`: the tied layer's, or this layer's submodule's.
  public func parameter(_ local: String) -> String { tiedParameters[local] ?? "\(module).\(local)" }

  /// Records a Python definition model.py must contain (a helper class or
  /// function); the same name twice keeps one.
  public func define(_ name: String, _ source: String) { helpers[name] = source }

  /// `expression` through a fused activation (the activation op's own form
  /// at its defaults), or `expression` itself without one.
  public func activation(_ activation: Activation?, _ expression: String) throws(TorchExportError) -> String {
    guard let activation else { return expression }
    guard let type = OpRegistry.op(named: activation.rawValue),
      let op = type.init(Attributes(type.schema)) as? any TorchExportable
    else { throw TorchExportError("activation `\(activation.rawValue)` has no PyTorch form", attribute: "activation") }
    let inner = TorchLayer(inputs: [expression], inputTypes: [outputType], outputType: outputType, module: module)
    let result = try op.torchForward(inner)
    helpers.merge(inner.helpers) { a, _ in a }
    return result
  }

  /// A Python literal for a float attribute (`0.1`, `1e-05`).
  public static func number(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return "\(Int(value)).0" }
    return "\(value)"
  }

  /// A Python pair literal `(a, b)`.
  public static func pair(_ value: (Int, Int)) -> String { "(\(value.0), \(value.1))" }

  /// The static size of axis `axis` of input `index` (shape rules made it static).
  public func size(input index: Int = 0, axis: Int) -> Int {
    let shape = inputTypes[index].shape
    return shape[axis < 0 ? shape.count + axis : axis].staticValue ?? 0
  }
}
