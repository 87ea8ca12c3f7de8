import CZlib

/// Encodes 8-bit greyscale images as PNG (colour type 0, no interlacing,
/// filter 0 on every row, zlib at its default level), so the same pixels are
/// the same bytes every time.
public enum PNGEncoding {
  /// The PNG file of a `width` x `height` greyscale image, `pixels` row by row.
  public static func grey(width: Int, height: Int, pixels: [UInt8]) -> [UInt8] {
    precondition(
      width > 0 && height > 0 && pixels.count == width * height, "\(pixels.count) pixels, \(width)x\(height)")
    var rows: [UInt8] = []
    rows.reserveCapacity(height * (width + 1))
    for y in 0..<height {
      rows.append(0)  // filter: none
      rows += pixels[(y * width)..<((y + 1) * width)]
    }
    var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    bytes += chunk("IHDR", bigEndian(width) + bigEndian(height) + [8, 0, 0, 0, 0])
    bytes += chunk("IDAT", deflate(rows))
    bytes += chunk("IEND", [])
    return bytes
  }

  /// Length, type, data and the CRC-32 of type and data.
  private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let body = Array(type.utf8) + data
    let crc = body.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
    return bigEndian(data.count) + body + bigEndian(Int(crc))
  }

  private static func bigEndian(_ value: Int) -> [UInt8] {
    [UInt8((value >> 24) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
  }

  /// A zlib stream of `data` (`compress2` at the default level).
  private static func deflate(_ data: [UInt8]) -> [UInt8] {
    var size = compressBound(uLong(data.count))
    var output = [UInt8](repeating: 0, count: Int(size))
    let status = output.withUnsafeMutableBufferPointer { out in
      data.withUnsafeBufferPointer {
        compress2(out.baseAddress, &size, $0.baseAddress, uLong($0.count), Z_DEFAULT_COMPRESSION)
      }
    }
    precondition(status == Z_OK, "zlib could not compress \(data.count) bytes (status \(status))")
    return Array(output.prefix(Int(size)))
  }
}
