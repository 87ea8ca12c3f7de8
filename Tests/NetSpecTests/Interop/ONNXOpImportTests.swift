import Foundation
import NetSpec
import ONNXProto
import Testing

/// The ops the importer reads beyond dense networks, built in code so that
/// `swift test` checks the translation without Python: transposed and 1-D
/// convolutions, pooling with ceil_mode, broadcasting arithmetic with scalar
/// and tensor constants, reductions, multi-node activations, resampling,
/// padding, pixel shuffle, split with named outputs, slice, select, expand
/// and instance normalization.
@Suite struct ONNXOpImportTests {
  typealias M = ONNXTestModels

  static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
    var attribute = Onnx_AttributeProto()
    attribute.name = name
    attribute.ints = values.map { Int64($0) }
    attribute.type = .ints
    return attribute
  }

  static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
    var attribute = Onnx_AttributeProto()
    attribute.name = name
    attribute.i = Int64(value)
    attribute.type = .int
    return attribute
  }

  static func string(_ name: String, _ value: String) -> Onnx_AttributeProto {
    var attribute = Onnx_AttributeProto()
    attribute.name = name
    attribute.s = Data(value.utf8)
    attribute.type = .string
    return attribute
  }

  static func int64s(_ name: String, _ values: [Int]) -> Onnx_TensorProto {
    var tensor = Onnx_TensorProto()
    tensor.name = name
    tensor.dims = [Int64(values.count)]
    tensor.dataType = 7
    tensor.int64Data = values.map { Int64($0) }
    return tensor
  }

  static func node(
    _ op: String, _ name: String, _ inputs: [String], _ outputs: [String], _ attributes: [Onnx_AttributeProto] = []
  ) -> Onnx_NodeProto {
    var node = M.node(op, name, inputs, outputs)
    node.attribute = attributes
    return node
  }

  /// The spec's layer lines, without the `  - ` in front.
  static func layers(_ model: Onnx_ModelProto) throws -> [String] {
    let imported = try ONNXImporter.importModel(at: M.write(model, name: "m.onnx"), name: "m")
    return imported.spec.split(separator: "\n").filter { $0.hasPrefix("  - ") }.map { String($0.dropFirst(4)) }
  }

  @Test func transposedConvolutionKeepsTorchsWeightLayout() throws {
    let conv = Self.node(
      "ConvTranspose", "/up/ConvTranspose", ["x", "w", "b"], ["c"],
      [
        Self.ints("kernel_shape", [3, 3]), Self.ints("strides", [2, 2]), Self.ints("pads", [1, 1, 1, 1]),
        Self.ints("output_padding", [1, 1]), Self.int("group", 2),
      ])
    let model = M.model(
      [conv, M.node("Clip", "/act/Clip", ["c", "lo", "hi"], ["y"])],
      initializers: [
        M.tensor("w", [4, 3, 3, 3], (0..<108).map { Float($0) }), M.tensor("b", [6], [1, 2, 3, 4, 5, 6]),
        M.tensor("lo", [], [0]), M.tensor("hi", [], [6]),
      ], input: [nil, 4, 5, 5])
    let imported = try ONNXImporter.importModel(at: M.write(model, name: "m.onnx"), name: "m")
    #expect(
      imported.spec.contains(
        "conv_transpose2d: {filters: 6, kernel: 3, stride: 2, padding: 1, output_padding: 1, groups: 2, activation: relu6, name: up}"
      ))
    #expect(imported.weights["up.weight"]?.shape == [4, 3, 3, 3])
    #expect(imported.spec.contains("up: [N, 6, 10, 10]"))
  }

  @Test func oneDimensionalConvolutionAndCeilModePooling() throws {
    let model = M.model(
      [
        Self.node(
          "Conv", "/c/Conv", ["x", "w"], ["c"],
          [Self.ints("kernel_shape", [2]), Self.ints("pads", [2, 0]), Self.ints("dilations", [2])]),
        Self.node(
          "MaxPool", "/p/MaxPool", ["c"], ["y"],
          [Self.ints("kernel_shape", [3]), Self.ints("strides", [2]), Self.int("ceil_mode", 1)]),
      ], initializers: [M.tensor("w", [4, 3, 2], Array(repeating: 0.5, count: 24))], input: [nil, 3, 8])
    #expect(
      try Self.layers(model) == [
        "conv1d: {filters: 4, kernel: 2, padding: [2, 0], dilation: 2, bias: false, name: c}",
        "maxpool1d: {kernel: 3, stride: 2, ceil_mode: true, name: p}",
      ])
  }

  /// (A `Mul` on the input itself would be read as input preprocessing.)
  /// A one-value constant is an op's `scalar`; `c - x` is a negation and an
  /// add; a constant tensor is a `parameter` shaped to broadcast as ONNX does;
  /// `x * x` is `square`; reductions keep their axes and keepdims.
  @Test func arithmeticWithConstantsAndReductions() throws {
    let model = M.model(
      [
        M.node("Abs", "/abs", ["x"], ["x1"]), M.node("Mul", "/scale", ["x1", "half"], ["a"]),
        M.node("Sub", "/flip", ["one", "a"], ["b"]),
        M.node("Mul", "/gain", ["b", "g"], ["c"]), M.node("Mul", "/sq", ["c", "c"], ["d"]),
        Self.node("ReduceMean", "/mu", ["d"], ["y"], [Self.ints("axes", [-1]), Self.int("keepdims", 1)]),
      ],
      initializers: [M.tensor("half", [], [0.5]), M.tensor("one", [1], [1]), M.tensor("g", [4], [1, 2, 3, 4])],
      input: [nil, 3, 4])
    let imported = try ONNXImporter.importModel(at: M.write(model, name: "m.onnx"), name: "m")
    #expect(
      ONNXPatternTests.layers(imported.spec) == [
        "abs: {name: abs}", "multiply: {scalar: 0.5, name: scale}", "neg: {name: flip_neg}",
        "add: {scalar: 1.0, name: flip}",
        "parameter: {shape: [1, 4], name: gain_constant}", "multiply: {name: gain, from: [flip, gain_constant]}",
        "square: {name: sq}", "mean: {axes: [2], keepdims: true, name: mu}",
      ])
    #expect(imported.weights["gain_constant.weight"]?.values == [1, 2, 3, 4])
  }

  /// `x * Sigmoid(x)` fuses into the convolution before it as `silu`; the
  /// exact GELU's Erf chain is one `gelu` layer.
  @Test func multiNodeActivations() throws {
    let model = M.model(
      [
        Self.node("Conv", "/c/Conv", ["x", "w"], ["c"], [Self.ints("kernel_shape", [1, 1])]),
        M.node("Sigmoid", "/c/silu/Sigmoid", ["c"], ["s"]), M.node("Mul", "/c/silu/Mul", ["c", "s"], ["h"]),
        M.node("Div", "/g/Div", ["h", "sqrt2"], ["q"]), M.node("Erf", "/g/Erf", ["q"], ["e"]),
        M.node("Add", "/g/Add", ["e", "one"], ["p"]), M.node("Mul", "/g/Mul", ["h", "p"], ["r"]),
        M.node("Mul", "/g/Mul_1", ["r", "half"], ["y"]),
      ],
      initializers: [
        M.tensor("w", [2, 2, 1, 1], [1, 0, 0, 1]), M.tensor("sqrt2", [], [1.414_213_5]), M.tensor("one", [], [1]),
        M.tensor("half", [], [0.5]),
      ], input: [nil, 2, 3, 3])
    #expect(
      try Self.layers(model) == [
        "conv2d: {filters: 2, kernel: 1, bias: false, activation: silu, name: c}",
        "gelu: {approximate: none, name: g}",
      ])
  }

  @Test func resamplingPaddingAndPixelShuffle() throws {
    let model = M.model(
      [
        Self.node(
          "Resize", "/up/Resize", ["x", "", "scales"], ["u"],
          [
            Self.string("mode", "linear"), Self.string("coordinate_transformation_mode", "pytorch_half_pixel"),
          ]),
        Self.node("Pad", "/pad/Pad", ["u", "pads"], ["p"], [Self.string("mode", "reflect")]),
        Self.node(
          "DepthToSpace", "/ps/DepthToSpace", ["p"], ["y"], [Self.int("blocksize", 2), Self.string("mode", "CRD")]),
      ],
      initializers: [M.tensor("scales", [4], [1, 1, 2, 2]), Self.int64s("pads", [0, 0, 1, 2, 0, 0, 1, 2])],
      input: [nil, 4, 3, 3])
    #expect(
      try Self.layers(model) == [
        "upsample: {scale_factor: 2.0, mode: bilinear, name: up}",
        "pad: {padding: [2, 2, 1, 1], mode: reflect, name: pad}", "pixel_shuffle: {upscale_factor: 2, name: ps}",
      ])
  }

  /// `Split`'s outputs are the layer's `parts.0` and `parts.1`; `Slice` with
  /// torch's huge end leaves `end` out; a scalar `Gather` is `select`.
  @Test func splitSliceSelectAndExpand() throws {
    var index = Self.int64s("i", [1])
    index.dims = []
    let model = M.model(
      [
        Self.node("Split", "/parts/Split", ["x", "sizes"], ["a", "b"], [Self.int("axis", 2)]),
        M.node("Slice", "/s/Slice", ["b", "starts", "ends", "axes", "steps"], ["s"]),
        Self.node("Gather", "/g/Gather", ["a", "i"], ["g"], [Self.int("axis", 1)]),
        M.node("Unsqueeze", "/u/Unsqueeze", ["g", "last"], ["gu"]),
        M.node("Expand", "/e/Expand", ["gu", "shape"], ["e"]),
        M.node("MatMul", "/m/MatMul", ["s", "e"], ["y"]),
      ],
      initializers: [
        Self.int64s("sizes", [2, 4]), Self.int64s("starts", [1]), Self.int64s("ends", [Int(Int64.max)]),
        Self.int64s("axes", [-1]), Self.int64s("steps", [2]), index, Self.int64s("last", [-1]),
        Self.int64s("shape", [1, 1, 3]),
      ], input: [nil, 3, 6])
    #expect(
      try Self.layers(model) == [
        "split: {sizes: [2, 4], axis: 2, name: parts}",
        "slice: {axis: 2, start: 1, step: 2, name: s, from: parts.1}",
        "select: {axis: 1, index: 1, name: g, from: parts.0}", "reshape: {shape: [2, 1], name: u}",
        "expand: {shape: [2, 3], name: e}", "matmul: {name: m, from: [s, e]}",
      ])
  }

  @Test func instanceNormalizationIsAffineOnlyWithWeights() throws {
    let model = M.model(
      [
        Self.node("InstanceNormalization", "/a/InstanceNormalization", ["x", "ones", "zeros"], ["a"]),
        Self.node("InstanceNormalization", "/b/InstanceNormalization", ["a", "w", "zeros"], ["y"]),
      ],
      initializers: [M.tensor("ones", [2], [1, 1]), M.tensor("zeros", [2], [0, 0]), M.tensor("w", [2], [2, 3])],
      input: [nil, 2, 5])
    #expect(
      try Self.layers(model) == ["instance_norm: {name: a}", "instance_norm: {affine: true, name: b}"])
  }

  /// An op the importer has no translation for keeps a located NS0751 naming it.
  @Test func unknownOpNamesTheOpAndTheTable() throws {
    let path = try M.write(M.model([M.node("Erf", "/e/Erf", ["x"], ["y"])]), name: "m.onnx")
    do {
      _ = try ONNXImporter.importModel(at: path, name: "m")
      Issue.record("Erf alone imported")
    } catch {
      let message = error.diagnostics[0].message
      #expect(message.contains("unsupported ONNX op `Erf`") && message.contains("`/e/Erf`"))
      #expect(error.diagnostics[0].helps.contains { $0.contains("INTEROP.md") })
    }
  }

  /// torch's GroupNorm: `Reshape` to `[N, G, -1]`, `InstanceNormalization`,
  /// `Reshape` back to `Shape(x)`, `Mul` and `Add` of `[C, 1, 1]`: one `group_norm`.
  @Test func groupNormPatternIsOneLayer() throws {
    let model = M.model(
      [
        M.node("Reshape", "/gn/Reshape", ["x", "grouped"], ["g"]),
        Self.node("InstanceNormalization", "/gn/InstanceNormalization", ["g", "ones", "zeros"], ["n"]),
        M.node("Shape", "/gn/Shape", ["x"], ["s"]), M.node("Reshape", "/gn/Reshape_1", ["n", "s"], ["r"]),
        M.node("Mul", "/gn/Mul", ["r", "w"], ["m"]), M.node("Add", "/gn/Add", ["m", "b"], ["y"]),
      ],
      initializers: [
        Self.int64s("grouped", [0, 2, -1]), M.tensor("ones", [2], [1, 1]), M.tensor("zeros", [2], [0, 0]),
        M.tensor("w", [4, 1, 1], [1, 2, 3, 4]), M.tensor("b", [4, 1, 1], [5, 6, 7, 8]),
      ], input: [nil, 4, 3, 3])
    let imported = try ONNXImporter.importModel(at: M.write(model, name: "m.onnx"), name: "m")
    #expect(ONNXPatternTests.layers(imported.spec) == ["group_norm: {groups: 2, name: gn_5}"])
    #expect(imported.weights["gn_5.weight"]?.values == [1, 2, 3, 4])
    #expect(imported.weights["gn_5.bias"]?.values == [5, 6, 7, 8])
  }
}
