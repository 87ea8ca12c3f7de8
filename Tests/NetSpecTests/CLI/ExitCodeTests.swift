import Foundation
import Testing

/// Every command against the exit-code table of docs/EXIT-CODES.md: 0
/// success, 1 invalid input (spec, data, weights that do not fit), 2 usage
/// errors and files that cannot be read or written.
@Suite("Exit codes", .serialized)
struct ExitCodeTests {
  struct Row: Sendable, CustomTestStringConvertible {
    var arguments: [String]
    var code: Int32
    var testDescription: String { "\(code): netspec \(arguments.joined(separator: " "))" }
    init(_ code: Int32, _ arguments: String...) {
      self.code = code
      self.arguments = arguments
    }
  }

  static let w = CLIFixtures.weights

  static let rows: [Row] = [
    // 0: success.
    Row(0, "check", "tiny.yaml"), Row(0, "summary", "tiny.yaml"), Row(0, "graph", "tiny.yaml"),
    Row(0, "compile", "tiny.yaml", "-o", "out0"), Row(0, "train", "tiny.yaml", "-o", "run0"),
    Row(0, "eval", "tiny.yaml", "--weights", w),
    Row(0, "predict", "tiny.yaml", "--weights", w, "--input", "samples.csv"),
    Row(0, "schema"), Row(0, "ops"), Row(0, "ops", "dense"), Row(0, "check", "lint.yaml"),
    Row(0, "train", "tiny.yaml", "--init-from", w, "--strict", "-o", "run4"), Row(0, "train", "--resume", "run"),
    Row(0, "export", "tiny.yaml", "--format", "onnx", "-o", "model0.onnx"),
    Row(0, "predict", "tiny.yaml", "--weights", w, "--input", "samples.csv", "-o", "out0.npy"),
    // 1: the spec, data or weights are invalid.
    Row(1, "check", "bad.yaml"), Row(1, "summary", "bad.yaml"), Row(1, "graph", "bad.yaml"),
    Row(1, "compile", "bad.yaml", "-o", "out1"), Row(1, "train", "bad.yaml", "-o", "run1"),
    Row(1, "eval", "bad.yaml", "--weights", w), Row(1, "predict", "bad.yaml", "--weights", w, "--input", "samples.csv"),
    Row(1, "eval", "other.yaml", "--weights", w),
    Row(1, "predict", "other.yaml", "--weights", w, "--input", "samples.csv"),
    Row(1, "eval", "tiny.yaml", "--weights", "garbage.safetensors"),
    Row(1, "predict", "tiny.yaml", "--weights", "empty.safetensors", "--input", "samples.csv"),
    Row(1, "predict", "tiny.yaml", "--weights", w, "--input", "wide.csv"),
    Row(1, "train", "tokens.yaml", "-o", "run2"), Row(1, "train", "positions.yaml", "-o", "run3"),
    Row(1, "compile", "tiny.yaml", "--name", "Float", "-o", "out2"),
    Row(1, "train", "other.yaml", "--init-from", w, "-o", "run5"),
    Row(1, "check", "lint.yaml", "--warnings-as-errors"),
    Row(1, "check", "lint.yaml", "--warnings-as-errors", "--format", "github"),
    Row(1, "check", "lint.yaml", "--warnings-as-errors", "--format", "sarif"),
    Row(1, "export", "bad.yaml", "--format", "onnx", "-o", "model1.onnx"),
    Row(1, "export", "other.yaml", "--format", "onnx", "--weights", w, "-o", "model2.onnx"),
    // 2: usage errors, files that cannot be read or written.
    Row(2, "check", "missing.yaml"), Row(2, "check", "folder.yaml"), Row(2, "summary", "missing.yaml"),
    Row(2, "graph", "missing.yaml"), Row(2, "compile", "missing.yaml", "-o", "out3"), Row(2, "train", "missing.yaml"),
    Row(2, "eval", "tiny.yaml", "--weights", "missing.safetensors"),
    Row(2, "eval", "tiny.yaml", "--weights", "folder.yaml"),
    Row(2, "predict", "tiny.yaml", "--weights", w, "--input", "missing.csv"),
    Row(2, "predict", "tiny.yaml", "--weights", w, "--input", "folder.yaml"),
    Row(2, "predict", "tiny.yaml", "--weights", "/dev/zero", "--input", "samples.csv"),
    Row(2, "check", "tiny.yaml", "--error-limit", "-1"), Row(2, "check", "tiny.yaml", "--bogus"),
    Row(2, "check", "tiny.yaml", "--set", "width"), Row(2, "summary", "tiny.yaml", "--batch", "0"),
    Row(2, "summary", "tiny.yaml", "--dim", "T=3"), Row(2, "train", "tiny.yaml", "--epochs", "-1"),
    Row(2, "compile", "tiny.yaml", "--bind", "T=0", "-o", "out4"), Row(2, "train", "tiny.yaml", "-o", "/proc/netspec"),
    Row(2, "ops", "no_such_op"), Row(2, "predict", "tiny.yaml", "--weights", w),
    Row(2, "train", "tiny.yaml", "--threads", "0", "-o", "run4"),
    Row(2, "eval", "tiny.yaml", "--weights", w, "--threads", "257"),
    Row(2, "train", "tiny.yaml", "--init-from", "missing.safetensors", "-o", "run6"),
    Row(2, "train", "--resume", "missing"), Row(2, "train", "--resume", "run", "--seed", "9"),
    Row(2, "export", "tiny.yaml", "--format", "onnx", "--weights", "missing.safetensors", "-o", "model3.onnx"),
    Row(2, "export", "tiny.yaml", "--format", "onnx", "-o", "/proc/netspec.onnx"),
  ]

  @Test(arguments: rows)
  func exitCode(_ row: Row) throws {
    let folder = try CLIFixtures.folder.get()
    let run = try folder.run(row.arguments)
    #expect(run.status == row.code, "\(run)")
    if row.code != 0 {
      #expect((run.stderr + run.stdout).lowercased().contains("error"), "no error message: \(run)")
    }
  }

  /// The table in the docs lists the three codes the rows above use.
  @Test func theTableIsDocumented() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/EXIT-CODES.md")
    let text = try String(contentsOf: url, encoding: .utf8)
    for code in ["| 0 |", "| 1 |", "| 2 |"] { #expect(text.contains(code)) }
  }
}
