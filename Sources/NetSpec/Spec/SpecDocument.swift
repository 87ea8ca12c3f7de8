import NetSpecDiagnostics
import NetSpecYAML

/// A decoded spec: the structure of the YAML document, checked for unknown
/// keys and wrong kinds. Layer attributes stay YAML nodes until lowering, which
/// resolves them in the scope of variables and block arguments.
public struct SpecDocument: Sendable {
  public var file: SourceFile
  public var version: Int
  public var name: String?
  public var description: String?
  /// Variables after `--set` overrides, by name.
  public var variables: [String: SpecValue.Kind]
  public var inputs: [InputDecl]
  /// What is known of the inputs beyond ``inputs``: those rejected with an error.
  public var rejectedInputs: RejectedInputs
  public var blocks: [String: BlockDecl]
  /// Names of blocks whose declaration was rejected with an error: layers that
  /// invoke them are skipped rather than reported as unknown ops.
  public var rejectedBlocks: Set<String>
  public var layers: [LayerDecl]
  /// Names of the values the model outputs; nil means the last layer.
  public var outputs: [Reference]?
  public var train: TrainSpec?
  public var data: DataSpec?
  public var expect: ExpectSpec?
  /// How `netspec predict --greedy` decodes sequences; nil when the spec does not say.
  public var decode: DecodeSpec? = nil
}

/// A name used to refer to a layer or input, with where it was written.
public struct Reference: Sendable, Hashable {
  public var name: String
  public var span: SourceSpan

  public init(_ name: String, span: SourceSpan) {
    self.name = name
    self.span = span
  }
}

/// A named model input: `image: [N, 1, 28, 28]` or
/// `tokens: {shape: [N, T], dtype: int32}`.
public struct InputDecl: Sendable {
  public var name: String
  public var nameSpan: SourceSpan
  public var type: TensorType
  public var span: SourceSpan
}

/// Inputs whose declaration failed, with an error already reported. Lowering
/// treats them as poisoned: layers that read them are skipped, not reported
/// again (one mistake, one diagnostic).
public struct RejectedInputs: Sendable {
  /// Inputs declared with a mistake (a bad name or shape), by name.
  public var names: Set<String> = []
  /// True when `inputs:` itself is missing or is not a mapping.
  public var isWholeSection = false
}

/// One entry of a `layers:` list before expansion.
public struct LayerDecl: Sendable {
  /// The op or block name (`conv2d`, `basic`).
  public var op: String
  public var opSpan: SourceSpan
  /// `op: {attr: value}` entries, or empty.
  public var attributes: [YAMLEntry]
  /// `op: value` shorthand for the op's primary attribute.
  public var shorthand: YAMLNode?
  /// The span of the whole item.
  public var span: SourceSpan
  public var name: YAMLNode?
  public var from: YAMLNode?
  public var repeatCount: YAMLNode?
  public var tie: YAMLNode?
  public var trainable: YAMLNode?
  /// `init:`, initializers of the layer's parameters.
  public var initialization: YAMLNode?
  /// True for a stand-in for a list item that is not a layer (already
  /// reported): lowering poisons the flow there, so the layers after it are not
  /// checked against the wrong input.
  public var isRejected = false

  /// Keys every layer may carry besides its op, either beside the op key or
  /// inside its attribute mapping.
  public static let commonKeys = ["name", "from", "repeat", "tie", "trainable", "init"]

  /// The stand-in for a list item at `span` that is not a layer.
  static func rejected(at span: SourceSpan) -> LayerDecl {
    var layer = LayerDecl(op: "", opSpan: span, attributes: [], shorthand: nil, span: span)
    layer.isRejected = true
    return layer
  }
}

/// A reusable sub-network with parameters: `blocks: {basic: {args: ..., layers: ...}}`.
public struct BlockDecl: Sendable {
  public var name: String
  public var nameSpan: SourceSpan
  /// Names of the block's tensor inputs (default `[input]`).
  public var inputs: [String]
  /// Arguments in declaration order; a nil default means required.
  public var arguments: [(name: String, defaultValue: YAMLNode?, span: SourceSpan)]
  public var layers: [LayerDecl]
  /// Values of the block's body it outputs (`outputs: [out, skip]`): the
  /// first is the instance's own value, each `layers.3.<name>` from outside;
  /// nil: the last layer's output alone.
  public var outputs: [Reference]? = nil
}
