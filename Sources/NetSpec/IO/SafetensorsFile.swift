/// Named float32 tensors and string metadata in the safetensors format, the
/// weights file of `netspec train` that other tools (PyTorch, NumPy, JAX) read
/// directly.
///
/// The format: an 8-byte little-endian header length `N`; `N` bytes of JSON
/// mapping each tensor name to `{"dtype", "shape", "data_offsets": [begin,
/// end]}` (offsets into the data section), plus an optional `"__metadata__"`
/// object of strings, padded with spaces to a multiple of 8 bytes; then the
/// data section, the tensors' little-endian bytes back to back.
///
/// Bytes go through the runtime's codec (``SafetensorsSource`` reads files in
/// bounded memory, ``SafetensorsArchive`` writes the header, ``SafetensorsDtype``
/// converts elements); this type adds the header's validation with exact
/// messages and matching against the tensors a model expects.
///
/// ```swift
/// let file = SafetensorsFile(
///   tensors: [NamedTensor(name: "dense_1.bias", shape: [2], values: [0.5, -1])],
///   metadata: ["spec": "mlp", "seed": "42"])
/// try file.write(to: "weights.safetensors")       // atomic
/// let back = try SafetensorsFile(contentsOf: "weights.safetensors")
/// ```
public struct SafetensorsFile: Sendable, Equatable {
  /// The tensors, in the order of their names' UTF-8 bytes.
  public private(set) var tensors: [NamedTensor]
  /// Free-form string metadata (`__metadata__`), e.g. spec name, seed, epoch.
  public var metadata: [String: String]

  /// Tensors (kept sorted by name) and metadata.
  public init(tensors: [NamedTensor], metadata: [String: String] = [:]) {
    self.tensors = tensors.sorted { Self.byteOrder($0.name, $1.name) }
    self.metadata = metadata
  }

  /// The tensor named `name`.
  public subscript(name: String) -> NamedTensor? {
    tensors.first { $0.name == name }
  }

  /// Reads and validates the file at `path`; float16, bfloat16 and float64
  /// tensors are converted to float32. Memory is bounded by what the file
  /// holds, not by what it claims: the path must name a regular file, the
  /// header is checked against the file size before it is read, and the
  /// tensors' byte ranges before any of them is read. With `expected` (name
  /// -> shape, see ``check(expected:)``), a file with other tensors is
  /// refused before their data is read.
  public init(contentsOf path: String, expected: [String: [Int]]? = nil) throws(SafetensorsError) {
    let source: SafetensorsSource
    do { source = try SafetensorsSource(path: path) } catch { throw SafetensorsError(.file(error), path: path) }
    do throws(SafetensorsError) {
      try self.init(header: source.header, dataSize: source.dataSize, expected: expected) {
        range throws(SafetensorsError) in
        do throws(SafetensorsSource.Failure) { return try source.data(range)[...] } catch {
          throw SafetensorsError(.file(error))
        }
      }
    } catch var error {
      error.path = path
      throw error
    }
  }

  /// Writes the file atomically: `path` holds either its old contents or the
  /// complete new file, even if the process dies mid-write.
  public func write(to path: String) throws(SafetensorsError) {
    try write(to: path, beforeRename: { _ in })
  }

  /// ``write(to:)`` with a hook between writing the temporary file and
  /// renaming it over `path` (see ``AtomicFile/write(_:to:beforeRename:)``).
  func write(to path: String, beforeRename: (String) throws -> Void) throws(SafetensorsError) {
    let bytes: [UInt8]
    do {
      bytes = try encoded()
    } catch var error {
      error.path = path
      throw error
    }
    do {
      try AtomicFile.write(bytes, to: path, beforeRename: beforeRename)
    } catch let error as FileError {
      throw SafetensorsError(.io("cannot write the file: \(error.reason)"), path: path)
    } catch {
      throw SafetensorsError(.io("cannot write the file: \(error)"), path: path)
    }
  }

  /// Names compared by their UTF-8 bytes, as Rust sorts strings; keeps the
  /// byte output independent of Unicode normalization.
  static func byteOrder(_ a: String, _ b: String) -> Bool {
    SafetensorsArchive.byteOrder(a, b)
  }
}
