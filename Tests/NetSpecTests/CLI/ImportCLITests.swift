import Foundation
import Testing

/// `netspec import` end to end: the files it writes work with the other
/// commands; unsupported and unreadable models exit 1 and 2.
@Suite("netspec import", .serialized)
struct ImportCLITests {
  @Test func writesASpecAndWeightsThatTheOtherCommandsRead() throws {
    let folder = try CLIFolder()
    let model = ONNXFixtureImportTests.path("lenet5")
    let imported = try folder.run("import", model, "-o", "out", "--name", "classifier")
    #expect(imported.status == 0, "\(imported)")
    #expect(imported.stdout.contains("8 layers, 61706 parameters"))
    #expect(try folder.run("check", "out/classifier.yaml").status == 0)
    #expect(try folder.run("summary", "out/classifier.yaml").status == 0)
    #expect(try folder.run("compile", "out/classifier.yaml", "-o", "swift").status == 0)
    // Three samples of 784 values in a CSV, read as [1, 28, 28].
    let rows = (0..<3).map { s in (0..<784).map { "\(Double(($0 + s) % 7) / 7)" }.joined(separator: ",") }
    try folder.write("samples.csv", rows.joined(separator: "\n") + "\n")
    let predicted = try folder.run(
      "predict", "out/classifier.yaml", "--weights", "out/weights.safetensors", "--input", "samples.csv")
    #expect(predicted.status == 0, "\(predicted)")
    #expect(predicted.stdout.split(separator: "\n").count == 4)  // header + 3 samples
  }

  @Test func unsupportedModelExitsOne() throws {
    let folder = try CLIFolder()
    let nodes = [ONNXTestModels.node("Erf", "/gelu/Erf", ["x"], ["y"])]
    let path = try ONNXTestModels.write(ONNXTestModels.model(nodes), name: "gelu.onnx")
    let run = try folder.run("import", path, "-o", "out")
    #expect(run.status == 1)
    #expect(run.stderr.contains("error[NS0751]: unsupported ONNX op `Erf` (opset 17): 1 node, `/gelu/Erf`"))
    #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("out").path))
  }

  @Test func missingModelExitsTwo() throws {
    let folder = try CLIFolder()
    let run = try folder.run("import", "missing.onnx", "-o", "out")
    #expect(run.status == 2)
    #expect(run.stderr.contains("missing.onnx: error[NS0001]: no such file"))
  }
}
