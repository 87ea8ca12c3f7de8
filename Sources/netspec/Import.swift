import ArgumentParser
import Foundation
import NetSpec
import NetSpecDiagnostics

/// `netspec import model.onnx -o DIR`: an ONNX model as a spec and its weights.
struct Import: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Import an ONNX model: write DIR/<name>.yaml and DIR/weights.safetensors.",
    discussion: """
      Layers are named after the ONNX nodes; Gemm/MatMul+Add, Conv (+BatchNormalization), pooling, \
      activations, Flatten/Reshape, Add, Concat, LSTM, GRU, LayerNormalization and torch's self-attention \
      subgraph are recognized and \
      constant shape computations folded (docs/INTEROP.md). Unsupported nodes are reported once per \
      kind, with exit code 1.
      """)

  @Argument(help: "The ONNX model (.onnx).")
  var model: String

  @Option(name: .shortAndLong, help: "The directory to write the spec and weights to (created if missing).")
  var output: String

  @Option(help: "The spec's name and file name (default: the model's file name).")
  var name: String?

  @Option(
    help: ArgumentHelp(
      "Colour diagnostics: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always or never.",
      valueName: "when"))
  var color: ColorChoice = .auto

  func run() throws {
    let name = name ?? ONNXImporter.defaultName(for: model)
    let imported: ImportedModel
    do {
      imported = try ONNXImporter.importModel(at: model, name: name)
    } catch {
      var bag = DiagnosticBag()
      bag.append(contentsOf: error.diagnostics)
      Console.report(bag, color: color)
      throw ExitCode(Console.exitCode(for: bag))
    }
    let spec = (output as NSString).appendingPathComponent("\(name).yaml")
    let weights = (output as NSString).appendingPathComponent("weights.safetensors")
    do {
      try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
      try imported.spec.write(toFile: spec, atomically: true, encoding: .utf8)
    } catch {
      Console.printError("error: cannot write `\(spec)`: \(error.localizedDescription)\n")
      throw ExitCode(2)
    }
    do { try imported.weights.write(to: weights) } catch {
      Console.printError("error: cannot write `\(weights)`: \(error)\n")
      throw ExitCode(2)
    }
    let graph = imported.checked.graph
    Console.say(
      "imported \(model): \(imported.layerCount) layers, \(graph.trainableParameterCount) parameters -> \(spec), \(weights)"
    )
  }
}
