import ArgumentParser
import Foundation
import NetSpec

/// `netspec export SPEC --format onnx|pytorch -o OUT`: the model for another engine.
struct Export: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Export a spec to another engine: an ONNX model, or a PyTorch project that trains it with torchrun.",
    discussion: """
      `--format onnx` writes one .onnx file (docs/INTEROP.md); `--format pytorch` writes a Python \
      project directory with model.py, train.py and a README (docs/SCALING.md).
      """)

  /// The engines a spec exports to.
  enum Format: String, ExpressibleByArgument, CaseIterable {
    case onnx
    case pytorch
  }

  @Argument(help: "The spec to export.", completion: .specFile)
  var spec: String

  @Option(help: "The target: onnx or pytorch.")
  var format: Format

  @Option(name: .shortAndLong, help: "The output: a .onnx file, or a directory for pytorch.")
  var output: String

  @Option(help: "Weights to export with the model (a safetensors file); default: the spec's initialization.")
  var weights: String?

  @Flag(help: "ONNX: also take the training targets as inputs and output the loss (the forward pass stays inference).")
  var training = false

  @OptionGroup var specOptions: SpecOptions

  func run() throws {
    let checked = try loadSpec(spec, specOptions)
    switch format {
    case .onnx: try exportONNX(checked)
    case .pytorch: try exportPyTorch(checked)
    }
  }
}
