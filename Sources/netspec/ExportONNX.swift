import ArgumentParser
import Foundation
import NetSpec
import NetSpecDiagnostics

extension Export {
  /// `--format onnx`: the model as one .onnx file (docs/INTEROP.md).
  func exportONNX(_ checked: CheckedSpec) throws {
    if training, checked.graph.loss == nil {
      Console.printError(
        "error: --training exports the loss, but `\(spec)` has none\n  help: give the spec a `train:` section with a `loss`, or export without --training\n"
      )
      throw ExitCode.invalid
    }
    let exported: ExportedWeights
    if let weights {
      try InputFiles.require(weights, option: "--weights")
      do { exported = try ExportedWeights.load(weights, for: checked) } catch {
        Console.printError("error: \(error)\n")
        throw ExitCode.invalid
      }
    } else {
      exported = ExportedWeights.initial(checked)
    }
    var diagnostics = DiagnosticBag()
    let options = ONNXExportOptions(
      producerVersion: NetSpecCommand.version, standardization: exported.standardization, training: training)
    let model = ONNXExporter.export(checked, weights: exported.values, options: options, &diagnostics)
    if !diagnostics.diagnostics.isEmpty { Console.report(diagnostics, color: specOptions.color) }
    guard let model else { throw ExitCode(Console.exitCode(for: diagnostics)) }
    do {
      try model.write(to: URL(fileURLWithPath: output), options: .atomic)
    } catch {
      Console.printError("error: cannot write `\(output)`: \(error.localizedDescription)\n")
      throw ExitCode.unreadable
    }
  }
}
