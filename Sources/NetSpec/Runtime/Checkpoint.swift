/// Moves an interpreter's parameters (trainable, frozen and buffers) to and
/// from safetensors files, one tensor per parameter under its graph name
/// (`conv1.weight`); the emitted Swift code uses the same names.
public enum Checkpoint {
  /// The parameters as named tensors.
  public static func tensors(of interpreter: Interpreter) -> [NamedTensor] {
    interpreter.plan.graph.parameters.enumerated().map { id, parameter in
      NamedTensor(name: parameter.name, shape: parameter.shape, values: Array(interpreter.parameter(id)))
    }
  }

  /// Writes the parameters atomically to `path`, with `standardization`
  /// (when the data is standardized) in the metadata.
  public static func write(
    _ interpreter: Interpreter, to path: String, metadata: [String: String],
    standardization: Standardization? = nil
  ) throws(SafetensorsError) {
    let metadata = metadata.merging(standardization?.metadata ?? [:]) { a, _ in a }
    try SafetensorsFile(tensors: tensors(of: interpreter), metadata: metadata).write(to: path)
  }

  /// The model's tensors by name: what a weights file for it must hold.
  public static func expectedShapes(of graph: Graph) -> [String: [Int]] {
    var expected: [String: [Int]] = [:]
    for parameter in graph.parameters { expected[parameter.name] = parameter.shape }
    return expected
  }

  /// Loads weights from `path` into the interpreter, after checking that the
  /// file holds exactly the model's tensors with the right shapes (before
  /// their data is read) and only finite values.
  public static func load(_ path: String, into interpreter: Interpreter) throws(SafetensorsError) {
    let file = try SafetensorsFile(contentsOf: path, expected: expectedShapes(of: interpreter.plan.graph))
    do { try load(file, into: interpreter) } catch {
      throw SafetensorsError(error.problem, path: error.path ?? path)
    }
  }

  /// Loads the weights in `file` into the interpreter, after checking that it
  /// holds exactly the model's tensors with the right shapes, and that every
  /// value is finite (NaN or infinite weights are refused, naming the tensor).
  public static func load(_ file: SafetensorsFile, into interpreter: Interpreter) throws(SafetensorsError) {
    for (id, values) in try self.values(file, for: interpreter.plan.graph).enumerated() {
      let destination = interpreter.parameter(id)
      for (i, v) in values.enumerated() { destination[i] = v }
    }
  }

  /// The values of every parameter of `graph` in `file`, by parameter id,
  /// checked as loading checks them (names, shapes, finite values).
  public static func values(_ file: SafetensorsFile, for graph: Graph) throws(SafetensorsError) -> [[Float]] {
    try file.check(expected: expectedShapes(of: graph))
    for tensor in file.tensors {
      if let index = tensor.values.firstIndex(where: { !$0.isFinite }) {
        throw SafetensorsError(.nonFinite(tensor: tensor.name, index: index, value: tensor.values[index]))
      }
    }
    return graph.parameters.map { file[$0.name]!.values }
  }
}
