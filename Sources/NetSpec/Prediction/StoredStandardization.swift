extension CheckedSpec {
  /// Whether the model's input is standardized with statistics stored in the
  /// weights' metadata (`metadata`): when the spec's data says `standardize:
  /// true`, or when the spec has no `data:` section and the weights carry
  /// statistics — an imported ONNX model's input preprocessing
  /// (docs/INTEROP.md), which `predict` and `export` apply as `train` would.
  func standardizesInputs(weightsMetadata metadata: [String: String]) -> Bool {
    document.data?.train.standardizesAny == true || (document.data == nil && metadata[Standardization.meanKey] != nil)
  }
}
