import NetSpecDiagnostics

extension SafetensorsFile {
  /// The file's bytes, byte-for-byte what the reference implementation
  /// (`safetensors.serialize`) writes for the same float32 tensors: header
  /// keys `__metadata__` first (its keys sorted), then the tensors in data
  /// order, which is by name; each entry's fields in the order `dtype`,
  /// `shape`, `data_offsets`; no whitespace; spaces to a multiple of 8 bytes.
  /// Throws for duplicate or reserved names and values that do not fit their
  /// shape.
  public func encoded() throws(SafetensorsError) -> [UInt8] {
    for (index, tensor) in tensors.enumerated() {
      guard tensor.name != "__metadata__" else { throw SafetensorsError(.reservedName) }
      if index > 0, tensors[index - 1].name == tensor.name { throw SafetensorsError(.duplicateName(tensor.name)) }
      guard let count = NamedTensor.elementCount(tensor.shape), count <= Int.max / 4 else {
        throw SafetensorsError(.invalidShape(tensor: tensor.name, shape: tensor.shape))
      }
      guard count == tensor.values.count else {
        throw SafetensorsError(
          .valueCountMismatch(tensor: tensor.name, shape: tensor.shape, count: tensor.values.count))
      }
    }
    var bytes = SafetensorsArchive.header(tensors.map { ($0.name, $0.shape) }, metadata: metadata)
    for tensor in tensors { SafetensorsArchive.appendData(tensor.values, to: &bytes) }
    return bytes
  }
}
