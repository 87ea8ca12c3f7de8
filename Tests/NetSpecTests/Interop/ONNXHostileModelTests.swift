import Foundation
import NetSpec
import NetSpecKernels
import Testing

/// Damaged models are refused with diagnostics, never a crash: truncations
/// and flipped bytes of a real export, and constants that would fold to
/// enormous tensors.
@Suite struct ONNXHostileModelTests {
  typealias M = ONNXTestModels

  /// Imports `bytes`; an import either succeeds or reports diagnostics that name the file.
  static func survives(_ bytes: [UInt8]) throws {
    let path = try M.write(bytes, name: "damaged.onnx")
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    do { _ = try ONNXImporter.importModel(at: path, name: "damaged") } catch {
      #expect(!error.diagnostics.isEmpty)
      #expect(error.diagnostics.allSatisfy { $0.path == path })
    }
  }

  @Test func truncatedAndFlippedExportsAreRefused() throws {
    let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: ONNXFixtureImportTests.path("lstm"))))
    var generator = SplitMix64(seed: 12)
    for _ in 0..<40 {
      try Self.survives(Array(original.prefix(Int(generator.next() % UInt64(original.count)))))
      var flipped = original
      for _ in 0..<4 { flipped[Int(generator.next() % UInt64(original.count))] ^= UInt8(1 + generator.next() % 255) }
      try Self.survives(flipped)
    }
  }

  @Test func constantOfAnEnormousShapeIsRefused() throws {
    var shape = ONNXTestModels.tensor("shape", [2], [])
    shape.dataType = 7
    shape.int64Data = [1 << 40, 1 << 40]
    let model = M.model(
      [M.node("ConstantOfShape", "/fill", ["shape"], ["c"]), M.node("Add", "/add", ["x", "c"], ["y"])],
      initializers: [shape])
    let path = try M.write(model, name: "m.onnx")
    #expect(throws: ONNXImportError.self) { try ONNXImporter.importModel(at: path, name: "m") }
  }
}
