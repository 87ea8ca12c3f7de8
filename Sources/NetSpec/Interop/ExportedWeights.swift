/// The parameter values a model is exported with, and the standardization
/// statistics stored beside them: trained weights from a safetensors file
/// (checked as `netspec predict` checks them), or the spec's initialization,
/// the same values `netspec train` starts from with `train.seed` (0 without a
/// `train:` section).
public struct ExportedWeights: Sendable {
  /// Every parameter's values, by parameter id.
  public var values: [[Float]]
  /// The statistics stored with the weights, when the spec's inputs are
  /// standardized (``CheckedSpec/standardizesInputs(weightsMetadata:)``).
  public var standardization: Standardization?

  /// The spec's initial parameters.
  public static func initial(_ spec: CheckedSpec) -> ExportedWeights {
    let seed = UInt64(truncatingIfNeeded: spec.document.train?.seed ?? 0)
    return ExportedWeights(values: ParameterInitialization.values(of: spec.graph, seed: seed), standardization: nil)
  }

  /// The weights in the safetensors file at `path`, which must hold exactly
  /// the spec's parameters with finite values, and with them the stored
  /// standardization statistics when the spec standardizes its inputs.
  public static func load(_ path: String, for spec: CheckedSpec) throws(ExportError) -> ExportedWeights {
    let graph = spec.graph
    let values: [[Float]]
    let file: SafetensorsFile
    do {
      file = try SafetensorsFile(contentsOf: path, expected: Checkpoint.expectedShapes(of: graph))
      values = try Checkpoint.values(file, for: graph)
    } catch {
      throw ExportError("\(error)", help: "pass the weights `netspec train` wrote for this spec")
    }
    guard spec.standardizesInputs(weightsMetadata: file.metadata), graph.inputs.count == 1 else {
      return ExportedWeights(values: values, standardization: nil)
    }
    let features = graph.values[graph.inputs[0]].type.shape.dropFirst().reduce(Dim(1)) { $0.multiplied(by: $1) ?? $0 }
    switch Standardization.stored(in: file.metadata, features: features.staticValue ?? 0) {
    case .success(let statistics):
      return ExportedWeights(values: values, standardization: statistics)
    case .failure(let error):
      throw ExportError(
        "the training statistics stored in `\(path)` are unusable: \(error)",
        help: "use the weights `netspec train` wrote for this spec's data, or retrain")
    }
  }
}

/// Why a model could not be exported (outside the spec): what went wrong and how to fix it.
public struct ExportError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public var help: String

  public init(_ message: String, help: String) {
    self.message = message
    self.help = help
  }

  public var description: String { "\(message)\n  help: \(help)" }
}
