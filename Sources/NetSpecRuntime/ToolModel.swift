/// A model the tool of an emitted package drives (``NetSpecTool``): a
/// ``TrainableModel`` that starts from seeded initial weights and saves and
/// loads them as safetensors under NetSpec's tensor names. The emitted model
/// class conforms.
public protocol ToolModel: TrainableModel {
  /// A model with the initial weights `netspec train` draws for `seed`.
  init(seed: UInt64)
  /// Writes every parameter to `path` atomically, with `metadata`.
  func save(to path: String, metadata: [String: String]) throws
  /// Loads every parameter from `path` (the file must hold each with its
  /// shape) and returns the file's metadata.
  func load(from path: String) throws -> [String: String]
  /// Where a sample holds token ids, checked before data reaches the model.
  static var tokenRanges: [TokenRange] { get }
}
