import ONNXProto

/// NetSpec's `adaptive_avgpool2d` export when the output size does not divide
/// the input's: `MatMul(A, x)` by a constant `A` `[h, H]` that averages the
/// rows of `x` `[N, C, H, W]` over adaptive pooling's windows, then
/// `MatMul(·, B)` by a constant `B` `[W, w]` that averages the columns. The
/// first is an `adaptive_avgpool2d` to `[h, W]`; the second, reading only
/// that layer, widens it to `[h, w]`. (When the sizes divide, the export is
/// an `AveragePool`, which imports as `avgpool2d`.)
extension ONNXTranslator {
  /// `MatMul` of a constant by a computed tensor: adaptive pooling of the rows.
  mutating func adaptiveRows(_ node: Onnx_NodeProto) throws(NodeFailure) {
    let a = try constant(node, 0, "matrix")
    let x = try tensor(node, 1)
    guard x.shape.count == 4, let height = x.shape[2].staticValue, let width = x.shape[3].staticValue,
      a.shape.count == 2, a.shape[1] == height, let values = a.floats,
      Self.averages(values, input: height, output: a.shape[0], transposed: false)
    else {
      throw NodeFailure(
        "`MatMul` of a constant by a computed tensor (other than adaptive average pooling's rows)",
        help: "NetSpec's dense takes the weight second; export the layer as x @ W")
    }
    let source = try materialize(x, for: node)
    let output = Self.pair(a.shape[0], width)
    bindLayer(node, try addLayer("adaptive_avgpool2d", for: node, [("output", output)], inputs: [source]))
  }

  /// `MatMul(y, B)` where `y` is an `adaptive_avgpool2d` that pools rows
  /// only, read by this node alone, and `B` `[W, w]` averages its columns:
  /// that layer pools the columns too. False when the node is not of this form.
  mutating func adaptiveColumns(_ node: Onnx_NodeProto, _ y: ImportedTensor, _ b: ONNXConstant) throws(NodeFailure)
    -> Bool
  {
    guard let index = soleProducer(of: y, value: node.input[0]), layers[index].op == "adaptive_avgpool2d",
      let input = shapes[layers[index].inputs[0]], y.shape.count == 4, y.shape[3] == input[3],
      let height = y.shape[2].staticValue, let width = y.shape[3].staticValue,
      b.shape.count == 2, b.shape[0] == width, let values = b.floats,
      Self.averages(values, input: width, output: b.shape[1], transposed: true)
    else { return false }
    layers[index]["output"] = Self.pair(height, b.shape[1])
    let (shape, _) = try infer(layers[index].op, layers[index].attributes, inputs: layers[index].inputs, node: node)
    shapes[layers[index].name] = shape
    bindLayer(node, layers[index].name)
    return true
  }

  /// Whether `values`, a `[output, input]` matrix (`[input, output]` when
  /// `transposed`), averages each of adaptive pooling's windows into its row.
  static func averages(_ values: [Float], input: Int, output: Int, transposed: Bool) -> Bool {
    guard values.count == input * output else { return false }
    for (row, window) in AdaptiveAvgPool2D.windows(input: input, output: output).enumerated() {
      for column in 0..<input {
        let value = values[transposed ? column * output + row : row * input + column]
        let expected = window.contains(column) ? 1 / Float(window.count) : 0
        guard abs(value - expected) <= 1e-6 else { return false }
      }
    }
    return true
  }

  /// An `output:` size, `s` when both sides are `s`.
  private static func pair(_ height: Int, _ width: Int) -> SpecValue.Kind {
    height == width ? .int(height) : .importedList([.int(height), .int(width)])
  }
}
