import NetSpecDiagnostics
import Testing

@testable import NetSpec

private let n = Dim.symbol("N")
private let t = Dim.symbol("T")

/// Calls of the resampling ops and the new normalizations that succeed, with
/// their output and parameter shapes.
private let cases: [(OpCall, TensorType, [[Int]])] = [
  (OpCall(Upsample.self, ["scale_factor": .float(2)], TensorType([n, 3, 4, 5])), TensorType([n, 3, 8, 10]), []),
  // floor(5 * 1.5) = 7, as F.interpolate.
  (OpCall(Upsample.self, ["scale_factor": .float(1.5)], TensorType([n, 3, 4, 5])), TensorType([n, 3, 6, 7]), []),
  (
    OpCall(
      Upsample.self, ["size": specList(.int(7), .int(2)), "mode": .string("bilinear")], TensorType([n, 1, 4, 5])),
    TensorType([n, 1, 7, 2]), []
  ),
  (OpCall(Pad.self, ["padding": specList(.int(1), .int(2))], TensorType([n, t, 5])), TensorType([n, t, 8]), []),
  (
    OpCall(Pad.self, ["padding": specList(.int(1), .int(2), .int(3), .int(0))], TensorType([n, 2, 4, 5])),
    TensorType([n, 2, 7, 8]), []
  ),
  (
    OpCall(Pad.self, ["padding": specList(.int(3), .int(3)), "mode": .string("reflect")], TensorType([n, 4])),
    TensorType([n, 10]), []
  ),
  (OpCall(PixelShuffle.self, ["upscale_factor": .int(2)], TensorType([n, 12, 3, 4])), TensorType([n, 3, 6, 8]), []),
  (
    OpCall(PixelUnshuffle.self, ["downscale_factor": .int(2)], TensorType([n, 3, 6, 8])), TensorType([n, 12, 3, 4]),
    []
  ),
  (OpCall(GroupNorm.self, ["groups": .int(4)], TensorType([n, 8, t])), TensorType([n, 8, t]), [[8], [8]]),
  (
    OpCall(GroupNorm.self, ["groups": .int(2), "affine": .bool(false)], TensorType([n, 8, 3, 3])),
    TensorType([n, 8, 3, 3]), []
  ),
  (OpCall(InstanceNorm.self, [:], TensorType([n, 3, 4, 4])), TensorType([n, 3, 4, 4]), []),
  (OpCall(InstanceNorm.self, ["affine": .bool(true)], TensorType([n, 3, t])), TensorType([n, 3, t]), [[3], [3]]),
  (OpCall(RMSNorm.self, [:], TensorType([n, t, 16])), TensorType([n, t, 16]), [[16]]),
  // ConvNeXt's channels-first norm: symbolic sizes after the normalized axis are fine.
  (OpCall(LayerNorm.self, ["axis": .int(1)], TensorType([n, 8, t, t])), TensorType([n, 8, t, t]), [[8], [8]]),
  (
    OpCall(LayerNorm.self, ["axes": specList(.int(-2), .int(-1))], TensorType([n, t, 3, 4])),
    TensorType([n, t, 3, 4]), [[3, 4], [3, 4]]
  ),
]

/// Bad inputs and attributes: each error names the attribute or input at fault.
private let errorCases: [ShapeErrorCase] = [
  ShapeErrorCase(
    OpCall(Upsample.self, [:], TensorType([n, 3, 4, 4])), .missingAttribute, mentions: ["`scale_factor` or `size`"]),
  ShapeErrorCase(
    OpCall(Upsample.self, ["scale_factor": .float(2), "size": .int(8)], TensorType([n, 3, 4, 4])), .valueOutOfRange,
    attribute: "size", mentions: ["both given"]),
  ShapeErrorCase(
    OpCall(Upsample.self, ["scale_factor": .float(2), "align_corners": .bool(false)], TensorType([n, 3, 4, 4])),
    .valueOutOfRange, attribute: "align_corners", mentions: ["bilinear"]),
  ShapeErrorCase(
    OpCall(Upsample.self, ["scale_factor": .float(0.1)], TensorType([n, 3, 4, 4])), .nonPositiveDimension,
    attribute: "scale_factor", mentions: ["height 4 into 0"]),
  ShapeErrorCase(
    OpCall(Upsample.self, ["scale_factor": .float(2)], TensorType([n, 3, 4])), .rankMismatch, input: 0,
    mentions: ["[N, C, H, W]"]),
  ShapeErrorCase(
    OpCall(Pad.self, ["padding": specList(.int(1), .int(1), .int(1))], TensorType([n, 3, 4])), .valueOutOfRange,
    attribute: "padding", mentions: ["3 amounts"]),
  ShapeErrorCase(
    OpCall(Pad.self, ["padding": specList(.int(-1), .int(1))], TensorType([n, 3, 4])), .valueOutOfRange,
    attribute: "padding", mentions: ["negative"]),
  ShapeErrorCase(
    OpCall(Pad.self, ["padding": specList(.int(1), .int(4)), "mode": .string("reflect")], TensorType([n, 3, 4])),
    .valueOutOfRange, input: 0, attribute: "padding", mentions: ["(1, 4)", "less than its size 4"]),
  ShapeErrorCase(
    OpCall(Pad.self, ["padding": specList(.int(1), .int(1)), "mode": .string("replicate")], TensorType([n, 2, 3, 4])),
    .rankMismatch, input: 0, mentions: ["[N, W] or [N, C, W]"]),
  ShapeErrorCase(
    OpCall(
      Pad.self, ["padding": specList(.int(1), .int(1)), "mode": .string("reflect"), "value": .float(1)],
      TensorType([n, 3, 4])), .valueOutOfRange, attribute: "value", mentions: ["`mode: constant` only"]),
  ShapeErrorCase(
    OpCall(PixelShuffle.self, ["upscale_factor": .int(2)], TensorType([n, 6, 3, 3])), .shapeMismatch, input: 0,
    attribute: "upscale_factor", mentions: ["6 channels", "4"]),
  ShapeErrorCase(
    OpCall(PixelUnshuffle.self, ["downscale_factor": .int(2)], TensorType([n, 6, 3, 4])), .shapeMismatch, input: 0,
    attribute: "downscale_factor", mentions: ["height 3"]),
  ShapeErrorCase(
    OpCall(GroupNorm.self, ["groups": .int(5)], TensorType([n, 24, 4])), .shapeMismatch, input: 0,
    attribute: "groups", mentions: ["24 channels"], help: "`4` or `6`"),
  ShapeErrorCase(
    OpCall(InstanceNorm.self, [:], TensorType([n, 8])), .rankMismatch, input: 0, mentions: ["[N, C, H, W]"]),
  ShapeErrorCase(
    OpCall(RMSNorm.self, [:], TensorType([n, 4, t])), .symbolicDimension, input: 0, mentions: ["feature size"]),
  ShapeErrorCase(
    OpCall(LayerNorm.self, ["axes": specList(.int(1), .int(3))], TensorType([n, 2, 3, 4])), .valueOutOfRange,
    attribute: "axes", mentions: ["not consecutive"]),
  ShapeErrorCase(
    OpCall(LayerNorm.self, ["axis": .int(0)], TensorType([n, 4])), .valueOutOfRange, attribute: "axis",
    mentions: ["batch axis"]),
  ShapeErrorCase(
    OpCall(LayerNorm.self, ["axis": .int(1), "axes": specList(.int(1))], TensorType([n, 4])), .valueOutOfRange,
    attribute: "axes", mentions: ["both given"]),
  ShapeErrorCase(
    OpCall(LayerNorm.self, ["axis": .int(1)], TensorType([n, t, 4])), .symbolicDimension, input: 0,
    mentions: ["feature size"]),
]

@Suite struct ResampleOpsTests {
  @Test(arguments: cases)
  func outputAndParameterShapes(call: OpCall, output: TensorType, parameters: [[Int]]) throws {
    let inference = try call.infer()
    #expect(inference.outputs == [output])
    #expect(inference.parameters.map(\.shape) == parameters)
  }

  @Test(arguments: errorCases)
  func shapeErrors(_ expected: ShapeErrorCase) {
    expectShapeError(expected)
  }

  /// PyTorch's defaults: nearest, no affine instance norm, affine group norm,
  /// float32 epsilon for RMSNorm, layernorm over the last axis.
  @Test func defaultsFollowPyTorch() {
    #expect(Upsample(Attributes(Upsample.schema)).mode == .nearest)
    #expect(!InstanceNorm(Attributes(InstanceNorm.schema)).affine)
    #expect(GroupNorm(Attributes(GroupNorm.schema, ["groups": .int(2)])).affine)
    #expect(RMSNorm(Attributes(RMSNorm.schema)).epsilon == Float.ulpOfOne)
    #expect(LayerNorm(Attributes(LayerNorm.schema)).axes == [-1])
    #expect(Pad(Attributes(Pad.schema, ["padding": specList(.int(1), .int(1))])).mode == .constant)
  }
}
