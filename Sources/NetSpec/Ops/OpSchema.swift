/// What kind of op this is, for docs and the summary table.
public enum OpCategory: String, Sendable, CaseIterable {
  case layer, pooling, shape, merge, activation, regularization, normalization, embedding,
    attention, recurrent, math, loss
}

/// How many tensor inputs an op takes.
public enum Arity: Sendable, Equatable {
  case exactly(Int)
  case atLeast(Int)
  case between(Int, Int)

  public func accepts(_ count: Int) -> Bool {
    switch self {
    case .exactly(let n): count == n
    case .atLeast(let n): count >= n
    case .between(let lo, let hi): count >= lo && count <= hi
    }
  }

  public var description: String {
    switch self {
    case .exactly(1): "one input"
    case .exactly(let n): "\(n) inputs"
    case .atLeast(let n): "at least \(n) inputs"
    case .between(let lo, let hi): "\(lo) to \(hi) inputs"
    }
  }
}

/// Everything a spec author (and `netspec schema`) needs to know about an op.
public struct OpSchema: Sendable {
  /// The op's name in specs, e.g. `conv2d`.
  public var name: String
  public var category: OpCategory
  /// One sentence for docs and schema descriptions.
  public var summary: String
  public var inputs: Arity
  public var attributes: [AttributeSpec]
  /// The attribute a bare scalar sets: `avgpool2d: 2` means `{kernel: 2}`.
  public var primary: String?
  /// The names of the op's outputs, in ``Inference/outputs`` order. A layer
  /// `enc` names its first output `enc` when that output is `output` (the
  /// primary output; `enc.output` names it too) and every other output
  /// `enc.<name>` (`enc.h`). Empty: numbered outputs `enc.0`, `enc.1`, ...,
  /// none of them primary (`split`).
  public var outputs: [String]

  public init(
    name: String, category: OpCategory, summary: String, inputs: Arity = .exactly(1),
    attributes: [AttributeSpec] = [], primary: String? = nil, outputs: [String] = ["output"]
  ) {
    self.name = name
    self.category = category
    self.summary = summary
    self.inputs = inputs
    self.attributes = attributes
    self.primary = primary
    self.outputs = outputs
  }

  /// The name of output `index`: its declared name, or its number.
  public func outputName(_ index: Int) -> String { index < outputs.count ? outputs[index] : "\(index)" }

  /// Whether the layer's own name stands for its first output (`output`).
  public var hasPrimaryOutput: Bool { outputs.first == "output" }

  public func attribute(named name: String) -> AttributeSpec? {
    attributes.first { $0.name == name }
  }
}
