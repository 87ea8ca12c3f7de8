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
    var entries: [(key: String, value: JSONValue)] = []
    if !metadata.isEmpty {
      let sortedKeys = metadata.keys.sorted(by: Self.byteOrder)
      entries.append(("__metadata__", .object(sortedKeys.map { ($0, .string(metadata[$0]!)) })))
    }
    var offset = 0
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
      let info = JSONValue.object([
        ("dtype", .string(SafetensorsDtype.f32.rawValue)),
        ("shape", .array(tensor.shape.map { .int($0) })),
        ("data_offsets", .array([.int(offset), .int(offset + count * 4)])),
      ])
      entries.append((tensor.name, info))
      offset += count * 4
    }
    var header = Array(JSONValue.object(entries).serialized(.compact).utf8)
    header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)

    var bytes: [UInt8] = []
    bytes.reserveCapacity(8 + header.count + offset)
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
    bytes += header
    for tensor in tensors {
      for value in tensor.values {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
      }
    }
    return bytes
  }
}
