import Foundation

/// Writes float32 arrays as NumPy `.npy` files (format 1.0, little-endian
/// `<f4`, C order), as `numpy.save` does.
public enum NPYWriting {
  /// The file's bytes for `values` of `shape`.
  public static func bytes(_ values: [Float], shape: [Int]) -> [UInt8] {
    precondition(shape.reduce(1, *) == values.count, "\(values.count) values are not of shape \(shape)")
    let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
    // Magic (6) + version (2) + header length (2) + header + newline, a multiple of 64.
    let unpadded = 10 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    let length = UInt16(header.utf8.count)
    bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
    bytes += Array(header.utf8)
    bytes.reserveCapacity(bytes.count + 4 * values.count)
    for value in values {
      let bits = value.bitPattern
      bytes += [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)]
    }
    return bytes
  }

  /// Writes `values` of `shape` to `path` atomically.
  public static func write(_ values: [Float], shape: [Int], to path: String) throws {
    try AtomicFile.write(bytes(values, shape: shape), to: path)
  }
}
