/// A stable diagnostic identifier such as `NS0201`, with its title and default
/// severity. Every code is a static member of this type, so the whole catalogue is
/// read in one place (``DiagnosticCode/all``) and documented in `docs/DIAGNOSTICS.md`.
///
/// Codes never change meaning once published; retired codes are not reused.
public struct DiagnosticCode: Hashable, Sendable, CustomStringConvertible {
  /// The stable identifier, e.g. `NS0201`.
  public let id: String
  /// A short, kebab-case name, e.g. `unknown-key`.
  public let name: String
  /// The severity used unless a diagnostic overrides it.
  public let defaultSeverity: Severity

  public init(_ id: String, _ name: String, _ severity: Severity = .error) {
    self.id = id
    self.name = name
    self.defaultSeverity = severity
  }

  public var description: String { id }

  /// The anchor of the code's section in `docs/DIAGNOSTICS.md` (the heading
  /// `NS0201 unknown-key` becomes `ns0201-unknown-key`, as GitHub and most
  /// Markdown renderers slug it).
  public var documentationAnchor: String { id.lowercased() + "-" + name }

  public static func == (a: DiagnosticCode, b: DiagnosticCode) -> Bool { a.id == b.id }
  public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

// MARK: - NS00xx: files and command-line input

extension DiagnosticCode {
  /// The file could not be read (missing, a directory, no permission).
  public static let unreadableFile = DiagnosticCode("NS0001", "unreadable-file")
  /// The file is larger than the input size limit.
  public static let fileTooLarge = DiagnosticCode("NS0002", "file-too-large")
  /// A `--set key=value` override is malformed or names no variable.
  public static let badOverride = DiagnosticCode("NS0003", "bad-override")
  /// A spec has more errors than the error limit: the rest are counted, not shown.
  public static let tooManyErrors = DiagnosticCode("NS0004", "too-many-errors", .note)
}

// MARK: - NS01xx: YAML syntax and limits

extension DiagnosticCode {
  /// libyaml rejected the text (bad indentation, tabs, unterminated quotes, ...).
  public static let yamlSyntax = DiagnosticCode("NS0101", "yaml-syntax")
  /// The text is not valid UTF-8 (or uses an encoding libyaml rejects).
  public static let invalidEncoding = DiagnosticCode("NS0102", "invalid-encoding")
  /// A mapping has the same key twice.
  public static let duplicateKey = DiagnosticCode("NS0103", "duplicate-key")
  /// An alias names an anchor that was never defined.
  public static let undefinedAlias = DiagnosticCode("NS0104", "undefined-alias")
  /// Alias expansion would exceed the node budget (an "alias bomb").
  public static let aliasExpansionLimit = DiagnosticCode("NS0105", "alias-expansion-limit")
  /// Collections are nested deeper than the limit.
  public static let nestingTooDeep = DiagnosticCode("NS0106", "nesting-too-deep")
  /// A scalar is longer than the limit.
  public static let scalarTooLong = DiagnosticCode("NS0107", "scalar-too-long")
  /// The file holds more than one YAML document.
  public static let multipleDocuments = DiagnosticCode("NS0108", "multiple-documents")
  /// The file holds no YAML document at all.
  public static let emptyDocument = DiagnosticCode("NS0109", "empty-document")
  /// A mapping key is not a plain scalar (a sequence or mapping used as a key).
  public static let complexKey = DiagnosticCode("NS0110", "complex-key")
}

// MARK: - NS02xx: spec structure

extension DiagnosticCode {
  /// A key that the section does not define.
  public static let unknownKey = DiagnosticCode("NS0201", "unknown-key")
  /// A key that the section requires is absent.
  public static let missingKey = DiagnosticCode("NS0202", "missing-key")
  /// A value of the wrong kind (a string where a number is needed, ...).
  public static let typeMismatch = DiagnosticCode("NS0203", "type-mismatch")
  /// A value outside its allowed range or set.
  public static let valueOutOfRange = DiagnosticCode("NS0204", "value-out-of-range")
  /// `netspec:` is missing or names a version this build does not read.
  public static let unsupportedVersion = DiagnosticCode("NS0205", "unsupported-version")
  /// A layer names an op (or block) that does not exist.
  public static let unknownOp = DiagnosticCode("NS0206", "unknown-op")
  /// An op is given an attribute it does not have.
  public static let unknownAttribute = DiagnosticCode("NS0207", "unknown-attribute")
  /// An op is missing an attribute without a default.
  public static let missingAttribute = DiagnosticCode("NS0208", "missing-attribute")
  /// An expression does not parse.
  public static let badExpression = DiagnosticCode("NS0209", "bad-expression")
  /// `$name` refers to no variable or block argument.
  public static let undefinedVariable = DiagnosticCode("NS0210", "undefined-variable")
  /// Two layers (or inputs) share a name.
  public static let duplicateName = DiagnosticCode("NS0211", "duplicate-name")
  /// `from:` (or a loss) names a layer or input that does not exist (yet).
  public static let unknownReference = DiagnosticCode("NS0212", "unknown-reference")
  /// A block is invoked without one of its required arguments.
  public static let missingArgument = DiagnosticCode("NS0213", "missing-argument")
  /// A block is invoked with an argument it does not declare.
  public static let unknownArgument = DiagnosticCode("NS0214", "unknown-argument")
  /// Blocks invoke each other in a cycle, or expansion exceeds the layer limit.
  public static let recursiveBlock = DiagnosticCode("NS0215", "recursive-block")
  /// Arithmetic in an expression fails (division by zero, overflow).
  public static let arithmeticError = DiagnosticCode("NS0216", "arithmetic-error")
  /// An op receives the wrong number of inputs.
  public static let wrongInputCount = DiagnosticCode("NS0217", "wrong-input-count")
  /// The spec defines no layers, or expands to more than the layer limit.
  public static let layerCount = DiagnosticCode("NS0218", "layer-count")
}

// MARK: - NS03xx: shapes

extension DiagnosticCode {
  /// An op's input has a shape it cannot take.
  public static let shapeMismatch = DiagnosticCode("NS0301", "shape-mismatch")
  /// An op's input has the wrong rank.
  public static let rankMismatch = DiagnosticCode("NS0302", "rank-mismatch")
  /// A computed dimension is zero or negative (e.g. a kernel larger than its input).
  public static let nonPositiveDimension = DiagnosticCode("NS0303", "non-positive-dimension")
  /// Dimension or parameter arithmetic overflows the limits.
  public static let dimensionOverflow = DiagnosticCode("NS0304", "dimension-overflow")
  /// An input shape is malformed (not a list of positive integers and symbols).
  public static let badShape = DiagnosticCode("NS0305", "bad-shape")
  /// A symbolic dimension is used where a static size is required.
  public static let symbolicDimension = DiagnosticCode("NS0306", "symbolic-dimension")
}

// MARK: - NS04xx: expectations (`expect:`)

extension DiagnosticCode {
  /// The inferred parameter count differs from `expect.params`.
  public static let paramCountMismatch = DiagnosticCode("NS0401", "param-count-mismatch")
  /// An inferred output shape differs from `expect.outputs`.
  public static let outputShapeMismatch = DiagnosticCode("NS0402", "output-shape-mismatch")
  /// `expect.outputs` names a value that does not exist.
  public static let unknownOutput = DiagnosticCode("NS0403", "unknown-output")
}

// MARK: - NS05xx: training and data

extension DiagnosticCode {
  /// The loss's inputs do not fit it (wrong shapes, a missing target).
  public static let badLoss = DiagnosticCode("NS0501", "bad-loss")
  /// A data source is malformed or missing.
  public static let badData = DiagnosticCode("NS0502", "bad-data")
  /// An unused layer or input: its value never reaches an output or the loss.
  public static let unusedValue = DiagnosticCode("NS0503", "unused-value", .warning)
}

// MARK: - NS06xx: model lints (warnings)

extension DiagnosticCode {
  /// A `softmax` feeds `cross_entropy`, which applies log-softmax to logits itself.
  public static let softmaxBeforeCrossEntropy = DiagnosticCode("NS0601", "softmax-before-cross-entropy", .warning)
  /// A `sigmoid` feeds `binary_cross_entropy`, which applies the sigmoid to logits itself.
  public static let sigmoidBeforeBinaryCrossEntropy = DiagnosticCode(
    "NS0602", "sigmoid-before-binary-cross-entropy", .warning)
  /// Another activation squashes or clips the logits a cross-entropy loss reads.
  public static let activationOnLogits = DiagnosticCode("NS0603", "activation-on-logits", .warning)
  /// Dropout is the model's last layer: it drops predictions, not features.
  public static let dropoutAfterLastLayer = DiagnosticCode("NS0604", "dropout-after-last-layer", .warning)
  /// A bias right before batchnorm, whose mean subtraction cancels it.
  public static let biasBeforeBatchNorm = DiagnosticCode("NS0605", "bias-before-batchnorm", .warning)
  /// `cross_entropy` without `axis` reads the last axis of rank-3 logits that
  /// no `dense` layer produced: PyTorch's `[N, C, T]` would be misread.
  public static let ambiguousClassAxis = DiagnosticCode("NS0606", "ambiguous-class-axis", .warning)
}

// MARK: - NS07xx: interoperability (export to and import from other formats)

extension DiagnosticCode {
  /// A layer whose op or attributes have no ONNX form in the exported opset.
  public static let noONNXForm = DiagnosticCode("NS0701", "no-onnx-form")
  /// A layer, a name or a data source has no exact form in the PyTorch export.
  public static let noPyTorchForm = DiagnosticCode("NS0720", "no-pytorch-form")
  /// The ONNX file is not a model NetSpec can read: malformed protobuf, external
  /// data, a missing initializer, an impossible size.
  public static let onnxInvalidModel = DiagnosticCode("NS0750", "onnx-invalid-model")
  /// ONNX nodes of one kind (an op type, or an op type with attributes) have no
  /// NetSpec equivalent.
  public static let onnxUnsupportedOp = DiagnosticCode("NS0751", "onnx-unsupported-op")
}

extension DiagnosticCode {
  /// Every published code, in order. Tests check each has a golden test and docs.
  public static let all: [DiagnosticCode] = [
    .unreadableFile, .fileTooLarge, .badOverride, .tooManyErrors,
    .yamlSyntax, .invalidEncoding, .duplicateKey, .undefinedAlias, .aliasExpansionLimit,
    .nestingTooDeep, .scalarTooLong, .multipleDocuments, .emptyDocument, .complexKey,
    .unknownKey, .missingKey, .typeMismatch, .valueOutOfRange, .unsupportedVersion,
    .unknownOp, .unknownAttribute, .missingAttribute, .badExpression, .undefinedVariable,
    .duplicateName, .unknownReference, .missingArgument, .unknownArgument, .recursiveBlock,
    .arithmeticError, .wrongInputCount, .layerCount,
    .shapeMismatch, .rankMismatch, .nonPositiveDimension, .dimensionOverflow, .badShape,
    .symbolicDimension,
    .paramCountMismatch, .outputShapeMismatch, .unknownOutput,
    .badLoss, .badData, .unusedValue,
    .softmaxBeforeCrossEntropy, .sigmoidBeforeBinaryCrossEntropy, .activationOnLogits, .dropoutAfterLastLayer,
    .biasBeforeBatchNorm, .ambiguousClassAxis,
    .noONNXForm,
    .noPyTorchForm,
    .onnxInvalidModel, .onnxUnsupportedOp,
  ]
}
