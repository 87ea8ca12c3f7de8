import NetSpecKernels
import Testing

@testable import NetSpec

/// docs/OPS.md's PyTorch side (issue 11): every op has its PyTorch
/// equivalent, rendered from its first example through its own
/// `TorchExportable` form, and every attribute default is PyTorch's unless
/// the attribute's meaning says why not.
@Suite struct TorchEquivalentTests {
  @Test func everyOpHasItsPyTorchEquivalent() {
    for op in OpRegistry.all {
      let text = OpReference.torchEquivalent(op)
      #expect(!text.hasPrefix(TorchEquivalent.missing), "`\(op.schema.name)`: \(text)")
      #expect(OpReference.section(op).contains("\nPyTorch: \(text)\n"), "`\(op.schema.name)`'s section lacks it")
    }
  }

  @Test func theEquivalentIsWhatTheExporterWritesForTheFirstExample() throws {
    #expect(
      OpReference.torchEquivalent(Dense.self)
        == "`self.layer = nn.Linear(4, 3)`, then `self.layer(x)`, for `dense: {units: 3}` on x `[N, 4]`")
    #expect(OpReference.torchEquivalent(DropPath.self).contains("(model.py defines `drop_path`)"))
    #expect(OpReference.torchEquivalent(DropPath.self).contains("StochasticDepth(p, \"row\")"))
  }

  /// An op whose first example has no PyTorch form gets the marker the first test looks for.
  @Test func anOpWithoutARenderedFormIsMarked() {
    #expect(TorchEquivalent.describe(Unexportable.self) == "\(TorchEquivalent.missing): no form for this")
    #expect(OpReference.torchEquivalent(Unexportable.self).hasPrefix(TorchEquivalent.missing))
  }

  /// PyTorch's default of each attribute NetSpec gives a default, as NetSpec
  /// writes it; nil where PyTorch has no such argument or no default (the
  /// indexing axes, which docs/OPS.md's introduction explains).
  static let pytorchDefaults: [String: String?] = [
    "dense.bias": "true", "constant.value": nil, "flatten.start_axis": "1", "split.axis": "0",
    "upsample.mode": "nearest", "pad.mode": "constant", "slice.axis": nil, "slice.start": "0", "slice.step": "1",
    "select.axis": nil, "concat.axis": "0", "softmax.axis": "None", "gelu.approximate": "none",
    "leaky_relu.slope": "0.01", "hardtanh.min_val": "-1", "hardtanh.max_val": "1", "softplus.beta": "1",
    "softplus.threshold": "20", "elu.alpha": "1", "dropout.rate": "0.5", "batchnorm.momentum": "0.1",
    "batchnorm.eps": "1e-05", "layernorm.eps": "1e-05", "lrn.alpha": "0.0001", "lrn.beta": "0.75", "lrn.k": "1",
    "group_norm.eps": "1e-05", "group_norm.affine": "true", "instance_norm.eps": "1e-05",
    "instance_norm.affine": "false", "embedding.scale": nil, "positional_encoding.kind": nil,
    "positional_encoding.max_length": nil, "attention.causal": "false", "attention.dropout": "0",
    "attention.bias": "true", "attention.padding_mask": nil, "attention.rotary": nil, "attention.rotary_base": nil,
    "lstm.layers": "1", "lstm.bidirectional": "false", "gru.bidirectional": "false", "rotary.base": nil,
    "lstm.returns": nil, "gru.layers": "1", "gru.returns": nil, "sum.keepdims": "false",
    "mean.keepdims": "false", "max.keepdims": "false", "gaussian_sample.always": nil, "mse.reduction": "mean",
    "cross_entropy.label_smoothing": "0", "cross_entropy.reduction": "mean", "binary_cross_entropy.reduction": "mean",
    "kl_divergence.reduction": nil,
  ].merging(convolutionDefaults + poolingDefaults) { a, _ in a }

  static let convolutionDefaults: [(String, String?)] = ["conv2d", "conv1d", "conv_transpose2d", "conv_transpose1d"]
    .flatMap { op in
      ["stride": "1", "padding": "0", "dilation": "1", "groups": "1", "bias": "true", "output_padding": "0"].map {
        ("\(op).\($0.key)", $0.value)
      }
    }
  static let poolingDefaults: [(String, String?)] = ["maxpool2d", "avgpool2d", "maxpool1d", "avgpool1d"].flatMap {
    op in ["padding": "0", "ceil_mode": "false", "count_include_pad": "true"].map { ("\(op).\($0.key)", $0.value) }
  }

  /// Every default is in the table above (a new one must be checked against
  /// PyTorch), and one that differs says so in its meaning.
  @Test func everyDefaultIsPyTorchsOrSaysWhyNot() {
    for op in OpRegistry.all {
      for attribute in op.schema.attributes {
        guard case .value(let value) = attribute.defaultValue else { continue }
        let key = "\(op.schema.name).\(attribute.name)"
        guard let entry = Self.pytorchDefaults[key] else {
          Issue.record("\(key) = \(value): add PyTorch's default to the table")
          continue
        }
        guard let pytorch = entry, pytorch != "\(value)" else { continue }
        #expect(
          attribute.doc.contains("PyTorch") || attribute.doc.contains("torch."),
          "\(key) defaults to \(value), PyTorch's to \(pytorch), and its meaning does not say why")
      }
    }
  }
}

/// A test op whose first example has no PyTorch form.
private struct Unexportable: ExecutableOperator, TorchExportable {
  static let schema = OpSchema(name: "unexportable", category: .math, summary: "A test op.", attributes: [])
  static let examples = [OpExample(inputs: [.batch(2)])]
  init(_ attributes: Attributes) {}
  func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference { Inference(outputs: inputs) }
  func forward(_ k: Kernel) {}
  func backward(_ k: Kernel) {}
  func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    throw TorchExportError("no form for this")
  }
}
