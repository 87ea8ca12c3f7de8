import ArgumentParser
import Foundation
import NetSpec
import NetSpecDiagnostics

extension Export {
  /// `--format pytorch`: model.py, train.py, README.md, requirements.txt and
  /// init.safetensors (the `--weights` file's tensors, or the spec's
  /// initialization for its seed) in the output directory.
  func exportPyTorch(_ checked: CheckedSpec) throws {
    var diagnostics = DiagnosticBag()
    let folder = URL(fileURLWithPath: spec).deletingLastPathComponent().standardizedFileURL.path
    let files = PyTorchExport.project(checked, dataDirectory: folder, &diagnostics)
    if !diagnostics.diagnostics.isEmpty { Console.report(diagnostics, color: specOptions.color) }
    guard let files else { throw ExitCode(Console.exitCode(for: diagnostics)) }
    var initial = SafetensorsFile(
      tensors: PyTorchExport.initialTensors(of: checked.graph, seed: checked.document.train?.seed ?? 0),
      metadata: ["netspec": "1", "spec": checked.document.name ?? "model", "epoch": "0"])
    if let weights {
      do {
        initial = try SafetensorsFile(contentsOf: weights, expected: Checkpoint.expectedShapes(of: checked.graph))
      } catch {
        Console.printError("error: \(error)\n")
        switch error.problem {
        case .io, .file: throw ExitCode.unreadable
        default: throw ExitCode.invalid
        }
      }
    }
    let directory = URL(fileURLWithPath: output)
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      for (name, contents) in files.sorted(by: { $0.key < $1.key }) {
        try contents.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
      }
    } catch {
      Console.printError("error: cannot write to `\(output)`: \(error.localizedDescription)\n")
      throw ExitCode.unreadable
    }
    do { try initial.write(to: directory.appendingPathComponent("init.safetensors").path) } catch {
      Console.printError("error: \(error)\n")
      throw ExitCode.unreadable
    }
    Console.say("wrote \((files.keys.sorted() + ["init.safetensors"]).joined(separator: ", ")) to \(output)")
  }
}
