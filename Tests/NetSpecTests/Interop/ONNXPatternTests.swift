import Foundation
import NetSpec
import ONNXProto
import Testing

/// Patterns built in code: MatMul + Add as one dense layer, an unfolded
/// batch norm after a convolution, raw little-endian initializers and a
/// torch-style Shape -> Gather -> Unsqueeze -> Concat -> Reshape chain.
@Suite struct ONNXPatternTests {
  typealias M = ONNXTestModels

  static func layers(_ spec: String) -> [String] {
    spec.split(separator: "\n").filter { $0.hasPrefix("  - ") }.map { String($0.dropFirst(4)) }
  }

  @Test func matMulAndAddAreOneDenseLayer() throws {
    let w = M.tensor("w", [4, 3], (0..<12).map { Float($0) })  // [in, units]
    let b = M.tensor("b", [3], [1, 2, 3])
    let model = M.model(
      [
        M.node("MatMul", "/fc/MatMul", ["x", "w"], ["h"]), M.node("Add", "/fc/Add", ["b", "h"], ["z"]),
        M.node("Relu", "/act/Relu", ["z"], ["y"]),
      ],
      initializers: [w, b])
    let imported = try ONNXImporter.importModel(at: M.write(model, name: "m.onnx"), name: "m")
    #expect(Self.layers(imported.spec) == ["dense: {units: 3, activation: relu, name: fc}"])
    // The weight is stored [units, in], as NetSpec's (and PyTorch's) dense layer.
    #expect(imported.weights["fc.weight"]?.values == [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11])
    #expect(imported.weights["fc.bias"]?.values == [1, 2, 3])
  }

  /// `x * 0.5`, then `(x - m) / d` per feature: statistics `m / 0.5` and
  /// `d / 0.5` in the weights' metadata, the chain gone from the layers; a
  /// `Sub` without its `Div` is no preprocessing but a `subtract` of a `parameter`.
  @Test func inputPreprocessingBecomesStoredStatistics() throws {
    let dense = M.node("Gemm", "/fc/Gemm", ["s", "w", "b"], ["y"])
    let weights = [M.tensor("w", [4, 2], Array(repeating: 0.25, count: 8)), M.tensor("b", [2], [0, 0])]
    let chain = [
      M.node("Mul", "x.scale", ["x", "k"], ["a"]), M.node("Sub", "x.standardize", ["a", "m"], ["c"]),
      M.node("Div", "x.standardize_1", ["c", "d"], ["s"]),
    ]
    let constants = [M.tensor("k", [], [0.5]), M.tensor("m", [4], [1, 2, 3, 4]), M.tensor("d", [4], [2, 2, 4, 4])]
    let model = M.model(chain + [dense], initializers: constants + weights)
    let imported = try ONNXImporter.importModel(at: M.write(model, name: "m.onnx"), name: "m")
    #expect(Self.layers(imported.spec) == ["dense: {units: 2, name: fc}"])
    #expect(imported.weights.metadata["standardize.mean"] == "2.0,4.0,6.0,8.0")
    #expect(imported.weights.metadata["standardize.std"] == "4.0,4.0,8.0,8.0")

    let half = M.model(
      [M.node("Sub", "x.centre", ["x", "m"], ["s"]), dense], initializers: [constants[1]] + weights)
    let centred = try ONNXImporter.importModel(at: M.write(half, name: "h.onnx"), name: "h")
    #expect(Self.layers(centred.spec).first == "parameter: {shape: [4], name: x_centre_constant}")
    #expect(centred.weights.metadata["standardize.mean"] == nil)
  }

  @Test func unfoldedBatchNormFollowsTheConvolution() throws {
    func ones(_ name: String, _ n: Int) -> Onnx_TensorProto { M.tensor(name, [n], Array(repeating: 1, count: n)) }
    var bn = M.node("BatchNormalization", "/bn/BatchNormalization", ["c", "s", "o", "m", "v"], ["y"])
    var eps = Onnx_AttributeProto()
    eps.name = "epsilon"
    eps.f = 1e-3
    bn.attribute = [eps]
    let model = M.model(
      [M.node("Conv", "/conv/Conv", ["x", "w"], ["c"]), bn],
      initializers: [
        M.tensor("w", [2, 1, 3, 3], Array(repeating: 0.5, count: 18)), ones("s", 2), ones("o", 2), ones("m", 2),
        ones("v", 2),
      ], input: [nil, 1, 6, 6])
    let imported = try ONNXImporter.importModel(at: M.write(model, name: "m.onnx"), name: "m")
    #expect(
      Self.layers(imported.spec) == [
        "conv2d: {filters: 2, kernel: 3, bias: false, name: conv}", "batchnorm: {eps: 0.001, name: bn}",
      ])
    #expect(imported.weights["bn.running_var"]?.shape == [2])
  }

  @Test func rawDataAndAFoldedReshapeChain() throws {
    var w = Onnx_TensorProto()
    w.name = "w"
    w.dims = [2, 12]
    w.dataType = 1
    w.rawData = Data(
      (0..<24).flatMap { i -> [UInt8] in
        let bits = Float(i).bitPattern
        return [UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 24)]
      })
    var zero = Onnx_TensorProto()
    zero.name = "zero"
    zero.dataType = 7
    zero.int64Data = [0]
    var minusOne = Onnx_TensorProto()
    minusOne.name = "minus_one"
    minusOne.dims = [1]
    minusOne.dataType = 7
    minusOne.int64Data = [-1]
    var axes = Onnx_TensorProto()
    axes.name = "axes"
    axes.dims = [1]
    axes.dataType = 7
    axes.int64Data = [0]
    var gemm = M.node("Gemm", "/fc/Gemm", ["flat", "w"], ["y"])
    var transB = Onnx_AttributeProto()
    transB.name = "transB"
    transB.i = 1
    gemm.attribute = [transB]
    let model = M.model(
      [
        M.node("Shape", "/Shape", ["x"], ["shape"]), M.node("Gather", "/Gather", ["shape", "zero"], ["n"]),
        M.node("Unsqueeze", "/Unsqueeze", ["n", "axes"], ["n1"]),
        M.node("Concat", "/Concat", ["n1", "minus_one"], ["target"]),
        M.node("Reshape", "/flatten/Reshape", ["x", "target"], ["flat"]), gemm,
      ], initializers: [w, zero, minusOne, axes], input: [nil, 3, 4])
    let imported = try ONNXImporter.importModel(at: M.write(model, name: "m.onnx"), name: "m")
    #expect(Self.layers(imported.spec) == ["flatten: {name: flatten}", "dense: {units: 2, bias: false, name: fc}"])
    #expect(imported.weights["fc.weight"]?.values == (0..<24).map { Float($0) })
  }
}
