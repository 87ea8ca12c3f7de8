import Foundation

/// Reads and writes float32 safetensors files for emitted packages: an
/// 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range (and `__metadata__`), then the data. NetSpec
/// itself reads and checks every dtype with `SafetensorsFile`; tests check
/// that the two agree.
public enum SafetensorsArchive {
  /// A file that cannot be read as float32 safetensors.
  public struct Failure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
  }

  /// Writes `tensors` (names sorted, data 8-byte aligned) and `metadata` to
  /// `path` atomically.
  public static func write(
    _ tensors: [(name: String, shape: [Int], values: UnsafeBufferPointer<Float>)], metadata: [String: String] = [:],
    to path: String
  ) throws {
    let sorted = tensors.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    var entries: [String] = []
    if !metadata.isEmpty {
      let pairs = metadata.keys.sorted().map { "\(quoted($0)):\(quoted(metadata[$0]!))" }
      entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
    }
    var offset = 0
    for tensor in sorted {
      let bytes = tensor.values.count * 4
      let shape = tensor.shape.map(String.init).joined(separator: ",")
      entries.append(
        "\(quoted(tensor.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}"
      )
      offset += bytes
    }
    var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
    while header.count % 8 != 0 { header.append(0x20) }
    var data = Data(capacity: 8 + header.count + offset)
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(contentsOf: header)
    for tensor in sorted {
      for value in tensor.values {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
      }
    }
    try data.write(to: URL(fileURLWithPath: path), options: .atomic)
  }

  /// The float32 tensors of the file at `path` by name, and its metadata.
  public static func read(
    _ path: String
  ) throws -> (tensors: [String: (shape: [Int], values: [Float])], metadata: [String: String]) {
    guard let data = FileManager.default.contents(atPath: path) else { throw Failure("cannot read `\(path)`") }
    let bytes = [UInt8](data)
    guard bytes.count >= 8 else { throw Failure("`\(path)` is too short for a safetensors file") }
    var length = 0
    for i in 0..<8 { length |= Int(bytes[i]) << (8 * i) }
    guard length > 0, length <= bytes.count - 8,
      let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any]
    else { throw Failure("`\(path)` has no valid safetensors header") }
    let base = 8 + length
    var tensors: [String: (shape: [Int], values: [Float])] = [:]
    for (name, entry) in header where name != "__metadata__" {
      guard let entry = entry as? [String: Any], entry["dtype"] as? String == "F32",
        let shape = entry["shape"] as? [Int], let range = entry["data_offsets"] as? [Int], range.count == 2,
        range[0] >= 0, range[0] <= range[1], base + range[1] <= bytes.count,
        range[1] - range[0] == shape.reduce(4, *)
      else { throw Failure("`\(path)`: tensor \(name) is not a float32 tensor this reader understands") }
      var values = [Float](repeating: 0, count: (range[1] - range[0]) / 4)
      for i in values.indices {
        var bits: UInt32 = 0
        for b in 0..<4 { bits |= UInt32(bytes[base + range[0] + 4 * i + b]) << (8 * b) }
        values[i] = Float(bitPattern: bits)
      }
      tensors[name] = (shape, values)
    }
    return (tensors, header["__metadata__"] as? [String: String] ?? [:])
  }

  /// `text` as a JSON string.
  private static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      default:
        if scalar.value < 0x20 {
          out += String(format: "\\u%04x", scalar.value)
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }
}
