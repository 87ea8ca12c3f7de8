import Foundation

/// The safetensors codec of NetSpec and of emitted packages: an 8-byte
/// little-endian header length, a JSON header naming each tensor's dtype,
/// shape and byte range (and `__metadata__`), then the data. Writing gives the
/// bytes the reference implementation (`safetensors.serialize`) writes for the
/// same float32 tensors; reading goes through ``SafetensorsSource`` (bounded
/// memory, regular files only). NetSpec's `SafetensorsFile` adds its own
/// header diagnostics and name matching on top of the same pieces.
public enum SafetensorsArchive {
  /// A file that cannot be read as float32 safetensors.
  public struct Failure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
  }

  /// The length prefix and the padded JSON header for `tensors` (in data
  /// order, float32, back to back) and `metadata`: `__metadata__` first (its
  /// keys in byte order), then each tensor's `dtype`, `shape` and
  /// `data_offsets`, no whitespace, spaces to a multiple of 8 bytes, strings
  /// escaped as serde_json escapes them. The caller checks that each shape's
  /// element count fits an `Int` of bytes.
  public static func header(_ tensors: [(name: String, shape: [Int])], metadata: [String: String]) -> [UInt8] {
    var entries: [String] = []
    if !metadata.isEmpty {
      let pairs = metadata.keys.sorted(by: byteOrder).map { quoted($0) + ":" + quoted(metadata[$0]!) }
      entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
    }
    var offset = 0
    for tensor in tensors {
      let end = offset + tensor.shape.reduce(4, *)
      let shape = tensor.shape.map(String.init).joined(separator: ",")
      entries.append(
        quoted(tensor.name) + ":{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
      offset = end
    }
    var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
    header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(8 + header.count + offset)
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
    return bytes + header
  }

  /// Appends `values` as little-endian float32, the data of one tensor.
  public static func appendData(_ values: some Sequence<Float>, to bytes: inout [UInt8]) {
    for value in values {
      withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
    }
  }

  /// Writes `tensors` (names sorted) and `metadata` to `path` atomically.
  public static func write(
    _ tensors: [(name: String, shape: [Int], values: UnsafeBufferPointer<Float>)], metadata: [String: String] = [:],
    to path: String
  ) throws {
    let sorted = tensors.sorted { byteOrder($0.name, $1.name) }
    var bytes = header(sorted.map { ($0.name, $0.shape) }, metadata: metadata)
    for tensor in sorted { appendData(tensor.values, to: &bytes) }
    try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
  }

  /// The most JSON values a header may hold: far above any model's (a few
  /// per tensor), far below what would exhaust memory.
  public static let maxHeaderValues = 1_000_000

  /// The float32 tensors of the file at `path` by name, and its metadata.
  /// The header and every tensor's byte range are checked against the file,
  /// and with `expected` (name -> shape) each tensor's name and shape against
  /// the model, before any tensor is read; NaN and infinite values are refused.
  public static func read(
    _ path: String, expected: [String: [Int]]? = nil
  ) throws -> (tensors: [String: (shape: [Int], values: [Float])], metadata: [String: String]) {
    let source: SafetensorsSource
    do { source = try SafetensorsSource(path: path) } catch {
      throw Failure("`\(path)`: \(error)")
    }
    // Each JSON value costs tens of bytes as a Foundation object: bound their
    // count (every value but the first follows a `[`, `{`, `,` or `:`) before
    // parsing, as a 100 MB header of `[0,0,...]` would take gigabytes.
    let separators = source.header.count {
      $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "{")
    }
    guard separators <= maxHeaderValues else {
      throw Failure(
        "`\(path)` has a safetensors header of more than \(maxHeaderValues) values; it is not a weights file")
    }
    guard let header = try? JSONSerialization.jsonObject(with: Data(source.header)) as? [String: Any] else {
      throw Failure("`\(path)` has no valid safetensors header")
    }
    if let expected {
      for (name, entry) in header where name != "__metadata__" {
        let shape = (entry as? [String: Any])?["shape"] as? [Int]
        guard let wanted = expected[name], shape == wanted else {
          throw Failure("`\(path)` holds a tensor \(name) of shape \(shape ?? []), which the model does not have")
        }
      }
    }
    var tensors: [String: (shape: [Int], values: [Float])] = [:]
    for (name, entry) in header where name != "__metadata__" {
      guard let entry = entry as? [String: Any], entry["dtype"] as? String == "F32",
        let shape = entry["shape"] as? [Int], let range = entry["data_offsets"] as? [Int], range.count == 2,
        range[0] >= 0, range[0] <= range[1], range[1] <= source.dataSize,
        byteCount(shape) == range[1] - range[0]
      else { throw Failure("`\(path)`: tensor \(name) is not a float32 tensor this reader understands") }
      let values = SafetensorsDtype.f32.floats(try source.data(range[0]..<range[1])[...])
      if let bad = values.firstIndex(where: { !$0.isFinite }) {
        throw Failure("`\(path)`: tensor \(name) holds \(values[bad]) at element \(bad); weights must be finite")
      }
      tensors[name] = (shape, values)
    }
    return (tensors, header["__metadata__"] as? [String: String] ?? [:])
  }

  /// Names compared by their UTF-8 bytes, as Rust sorts strings.
  public static func byteOrder(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
  }

  /// The float32 byte size of `shape`; nil for a negative dimension or an overflow.
  private static func byteCount(_ shape: [Int]) -> Int? {
    var count = 4
    for dim in shape {
      guard dim >= 0 else { return nil }
      let (product, overflow) = count.multipliedReportingOverflow(by: dim)
      guard !overflow else { return nil }
      count = product
    }
    return count
  }

  /// `text` as a JSON string, escaped as serde_json (the reference writer)
  /// escapes it: `"` and `\` by backslash; newline, return, tab, backspace
  /// and form feed by letter; other control characters as `\u00xx`.
  static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
