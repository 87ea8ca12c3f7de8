/// `netspec compile`: Swift source for one model's training plan, plus the
/// kernels it calls and a safetensors reader and writer. The output imports
/// only Foundation and is deterministic: the same spec gives the same bytes.
public enum SwiftEmitter {
  /// One emitted file, by its path relative to the output directory.
  public struct File: Sendable, Equatable {
    public var path: String
    public var contents: String
    /// Raw bytes instead of `contents` (data files of a package).
    public var binary: [UInt8]?

    public init(path: String, contents: String, binary: [UInt8]? = nil) {
      self.path = path
      self.contents = contents
      self.binary = binary
    }
  }

  /// The model type's name for a spec (`lenet5` → `Lenet5`, `Float` →
  /// `FloatModel`), free of every name in `reserved`.
  static func typeName(for spec: CheckedSpec, sourceName: String, reserved: Set<String>) -> String {
    let base = sourceName.hasSuffix(".yaml") ? String(sourceName.dropLast(5)) : sourceName
    return ModelTypeName.derived(spec.document.name ?? base, reserved: reserved)
  }

  /// Checks a model type name given by the user: a plain Swift identifier
  /// that names nothing the emitted code uses (`reserved`).
  static func validate(typeName: String, reserved: Set<String>) throws(CodegenError) {
    guard SwiftNames.identifier(typeName, upperFirst: true) == typeName,
      typeName.first?.isUppercase == true
    else {
      throw CodegenError(
        message: "`\(SwiftNames.comment(typeName, limit: 60))` is not a valid model type name",
        help: "use an identifier of ASCII letters and digits starting with an uppercase letter, e.g. `MnistMLP`")
    }
    guard !reserved.contains(typeName), typeName != ModelTypeName.placeholder else {
      throw CodegenError(
        message: "`\(typeName)` names a type or module the emitted code uses (Swift, Foundation or the runtime)",
        help: "choose another name, e.g. `\(typeName)Model`")
    }
  }

  /// Plans the spec for training at `capacity` samples per batch and emits
  /// the model (`<Type>.swift`) and the runtime (``runtime``).
  ///
  /// - Parameters:
  ///   - bindings: Sizes of symbolic dims other than the batch `N` (`T` for
  ///     sequences), usually from the spec's data.
  ///   - sourceName: The spec's file name, for comments and the default type name.
  public static func emit(
    _ spec: CheckedSpec, capacity: Int, bindings: [String: Int] = [:], sourceName: String, typeName: String? = nil
  ) throws(CodegenError) -> [File] {
    guard let train = spec.document.train, spec.graph.loss != nil else {
      throw CodegenError(
        message: "the spec has no `train:` section with a loss",
        help: "emitted code trains the model; add `train: {loss: ..., optimizer: ...}`")
    }
    guard !spec.graph.inputs.isEmpty else {
      throw CodegenError(
        message: "the model has no inputs; emitted code feeds at least one",
        help: "declare the model's input under `inputs:`, e.g. `inputs: {x: [N, 4]}`")
    }
    let plan: ExecutionPlan
    do { plan = try Planner.plan(spec.graph, capacity: capacity, bindings: bindings, training: true) } catch {
      throw CodegenError(
        message: error.message,
        help: error.diagnostic.helps.first
          ?? "emitted code needs static sizes: give them with `--bind NAME=SIZE` or through the spec's data")
    }
    let draft = try ModelEmitter(
      spec: spec, plan: plan, train: train, typeName: ModelTypeName.placeholder, sourceName: sourceName
    ).emit()
    let reserved = ModelTypeName.reserved(model: draft)
    if let typeName { try validate(typeName: typeName, reserved: reserved) }
    let name = typeName ?? Self.typeName(for: spec, sourceName: sourceName, reserved: reserved)
    let model = draft.replacingOccurrences(of: ModelTypeName.placeholder, with: name)
    return [File(path: "\(name).swift", contents: model), runtime]
  }

  /// The kernels and safetensors codec every emitted model calls, as one
  /// file; a module holding several models needs it once.
  public static var runtime: File {
    File(path: runtimeFileName, contents: KernelSourceEmbedding.runtimeFile())
  }

  public static let runtimeFileName = "NetSpecRuntime.swift"
}
