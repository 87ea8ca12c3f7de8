/// `netspec train --init-from W`: starts training from saved weights
/// (fine-tuning, or weights that came back from PyTorch or an ONNX import)
/// instead of fresh ones, matching tensors to the model's parameters by name.
/// Every parameter is a candidate: trainable ones, frozen ones
/// (`trainable: false`, which then keep the loaded values) and buffers such
/// as batchnorm's running statistics.
///
/// ```swift
/// let report = try InitialWeights.load("base.safetensors", into: trainer.interpreter, strict: false)
/// print(report.loaded.count, report.skipped, report.leftInitialized)
/// ```
public enum InitialWeights {
  /// A tensor of the file that was not loaded.
  public enum Skip: Sendable, Equatable {
    /// The model has no parameter of this name.
    case notInModel(name: String, shape: [Int])
    /// The model's parameter of this name has another shape.
    case shapeMismatch(name: String, file: [Int], model: [Int])
  }

  /// What loading did, by tensor name, each list in name order.
  public struct Report: Sendable, Equatable {
    /// Parameters that now hold the file's values.
    public var loaded: [String]
    /// Tensors of the file left out, and why.
    public var skipped: [Skip]
    /// Parameters that keep their initial values: absent from the file, or
    /// there with another shape.
    public var leftInitialized: [String]

    /// The report as lines for the terminal: a count line, then the loaded,
    /// skipped and left-initialized tensors.
    public func lines(path: String) -> [String] {
      var lines = [
        "init-from \(path): loaded \(loaded.count), skipped \(skipped.count), "
          + "left initialized \(leftInitialized.count)"
      ]
      if !loaded.isEmpty { lines.append("  loaded: " + loaded.joined(separator: ", ")) }
      for skip in skipped {
        switch skip {
        case .notInModel(let name, let shape):
          lines.append("  skipped \(name) \(shape): the model has no tensor of this name")
        case .shapeMismatch(let name, let file, let model):
          lines.append("  skipped \(name): shape \(file) in the file, \(model) in the model")
        }
      }
      if !leftInitialized.isEmpty { lines.append("  left initialized: " + leftInitialized.joined(separator: ", ")) }
      return lines
    }
  }

  /// Loads the tensors of the safetensors file at `path` whose name and shape
  /// match a parameter of the interpreter's model, leaving the others as
  /// initialized. With `strict`, the file must hold exactly the model's
  /// tensors (``SafetensorsError/Problem/doesNotMatch(_:expected:)`` lists
  /// every difference otherwise). Throws, naming the tensor and element,
  /// when a tensor to load holds NaN or an infinity, and with the full
  /// comparison when no tensor matches at all; nothing is loaded then.
  public static func load(_ path: String, into interpreter: Interpreter, strict: Bool) throws(SafetensorsError)
    -> Report
  {
    let expected = Checkpoint.expectedShapes(of: interpreter.plan.graph)
    let file = try SafetensorsFile(contentsOf: path, expected: strict ? expected : nil)
    let report = match(file, expected: expected)
    if report.loaded.isEmpty {
      do { try file.check(expected: expected) } catch { throw SafetensorsError(error.problem, path: path) }
    }
    for name in report.loaded {
      let values = file[name]!.values
      if let index = values.firstIndex(where: { !$0.isFinite }) {
        throw SafetensorsError(.nonFinite(tensor: name, index: index, value: values[index]), path: path)
      }
    }
    for (id, parameter) in interpreter.plan.graph.parameters.enumerated() where report.loaded.contains(parameter.name) {
      _ = interpreter.parameter(id).update(fromContentsOf: file[parameter.name]!.values)
    }
    return report
  }

  /// Which tensors of `file` fit `expected` (name -> shape).
  static func match(_ file: SafetensorsFile, expected: [String: [Int]]) -> Report {
    var report = Report(loaded: [], skipped: [], leftInitialized: [])
    for tensor in file.tensors {
      switch expected[tensor.name] {
      case nil: report.skipped.append(.notInModel(name: tensor.name, shape: tensor.shape))
      case tensor.shape?: report.loaded.append(tensor.name)
      case let shape?: report.skipped.append(.shapeMismatch(name: tensor.name, file: tensor.shape, model: shape))
      }
    }
    let loaded = Set(report.loaded)
    report.leftInitialized = expected.keys.filter { !loaded.contains($0) }.sorted(by: SafetensorsFile.byteOrder)
    return report
  }
}
