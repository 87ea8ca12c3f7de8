import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Hostile data files through the real executable, as `predict --input` and
/// as a training source: each is rejected with exit code 1 or 2 and a message
/// naming the file, never by a signal, and with memory far below the file's
/// size (the readers stream: they never hold the file, only the values parsed).
@Suite("Hostile data files")
struct HostileDataCLITests {
  /// Well above what a streamed reader needs (about 40 MiB), well below the
  /// files' sizes (up to 1 GiB): a reader that holds the file fails it.
  static let memoryLimit = 256 << 20

  /// A hostile data file: its name and how to make it in a folder.
  struct File: Sendable, CustomTestStringConvertible {
    var name: String
    var expected: String
    var make: @Sendable (URL) throws -> Void
    var testDescription: String { name }
  }

  static let files: [File] = [
    File(name: "one-line.csv", expected: "longer than 1 MiB") { url in
      // 48 MiB of cells without a line end.
      let cells: [UInt8] = Array(repeatElement([0x31, 0x2C], count: 1 << 19).joined())
      guard FileManager.default.createFile(atPath: url.path, contents: nil) else { throw CLIError("create") }
      let handle = try FileHandle(forWritingTo: url)
      for _ in 0..<48 { try handle.write(contentsOf: cells) }
      try handle.close()
    },
    File(name: "holes.csv", expected: "longer than 1 MiB") { url in
      // A sparse 1 GiB file of zero bytes.
      guard FileManager.default.createFile(atPath: url.path, contents: nil) else { throw CLIError("create") }
      let handle = try FileHandle(forWritingTo: url)
      try handle.truncate(atOffset: 1 << 30)
      try handle.close()
    },
    File(name: "header.csv", expected: "longer than 1 MiB") { url in
      try Data(("a," + String(repeating: "b", count: 3 << 20) + "\n1,2\n").utf8).write(to: url)
    },
    File(name: "zeros.csv.gz", expected: "longer than 1 MiB") { url in
      // 1 MiB of zero bytes compressed, repeated as 1100 gzip members: 1.1 GiB.
      let members: [UInt8] = Array(repeatElement(gzipOfZeros, count: 1100).joined())
      try Data(members).write(to: url)
    },
    File(name: "rows.csv.gz", expected: "a gzip bomb") { url in
      try Data(gzipOfRows).write(to: url)
    },
    File(name: "huge.npy", expected: "needs 1073741824 bytes of data, but the file holds 0") { url in
      let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (268435456,), }"
      let padded = header + String(repeating: " ", count: 117 - header.utf8.count) + "\n"  // 128 bytes in all
      try Data([0x93] + Array("NUMPY".utf8) + [1, 0, 118, 0] + Array(padded.utf8)).write(to: url)
    },
    File(name: "long-header.npy", expected: "2147483647 bytes long") { url in
      try Data([0x93] + Array("NUMPY".utf8) + [2, 0, 0xFF, 0xFF, 0xFF, 0x7F] + Array(repeating: 0x20, count: 64)).write(
        to: url)
    },
    File(name: "huge-idx1-ubyte", expected: "holds too many values") { url in
      try Data([0, 0, 0x08, 2, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF]).write(to: url)
    },
    File(name: "short-idx1-ubyte", expected: "needs 1073741824 bytes of data, but the file holds 1") { url in
      try Data([0, 0, 0x08, 1, 0x40, 0, 0, 0, 7]).write(to: url)
    },
    File(name: "pipe.csv", expected: "not a regular file") { url in
      guard mkfifo(url.path, 0o600) == 0 else { throw CLIError("mkfifo") }
    },
  ]

  /// 1 MiB of zero bytes, gzip-compressed (about 1 KiB): built from stored
  /// blocks would be as large as the data, so the deflate stream is written
  /// by hand: fixed-Huffman block of one literal 0 then copies of 258 bytes.
  static let gzipOfZeros: [UInt8] = {
    var bits = BitWriter()
    bits.write(1, count: 1)  // last block
    bits.write(1, count: 2)  // fixed Huffman codes
    bits.writeCode(0b0011_0000, count: 8)  // literal 0
    let copies = ((1 << 20) - 1) / 258
    for _ in 0..<copies {
      bits.writeCode(0b1100_0101, count: 8)  // length 258 (code 285)
      bits.writeCode(0, count: 5)  // distance 1
    }
    for _ in 0..<(((1 << 20) - 1) - copies * 258) { bits.writeCode(0b0011_0000, count: 8) }
    bits.writeCode(0, count: 7)  // end of block (code 256)
    let header: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]
    let crc = crc32OfZeros(1 << 20)
    let size = UInt32(1 << 20)
    let trailer =
      (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) }
      + (0..<4).map { UInt8(truncatingIfNeeded: size >> (8 * $0)) }
    return header + bits.bytes + trailer
  }()

  /// 256 MiB of valid rows `0,0,0,0` in about 1.8 MB (fixed-Huffman copies of
  /// 258 bytes at distance 8): each row is fine, the expansion is not. The
  /// trailer is never reached, so its CRC is left zero.
  static let gzipOfRows: [UInt8] = {
    var bits = BitWriter()
    bits.write(1, count: 1)  // last block
    bits.write(1, count: 2)  // fixed Huffman codes
    for byte in "0,0,0,0\n".utf8 { bits.writeCode(0b0011_0000 + Int(byte), count: 8) }  // literals 0-143
    for _ in 0..<((256 << 20) / 258) {
      bits.writeCode(0b1100_0101, count: 8)  // length 258 (code 285)
      bits.writeCode(5, count: 5)  // distances 7-8 (code 5)...
      bits.write(1, count: 1)  // ...its extra bit: 8
    }
    bits.writeCode(0, count: 7)  // end of block (code 256)
    return [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF] + bits.bytes + [UInt8](repeating: 0, count: 8)
  }()

  @Test(arguments: files)
  func predictInput(_ file: File) throws {
    let shared = try CLIFixtures.folder.get()
    let folder = try CLIFolder()
    try file.make(folder.url.appendingPathComponent(file.name))
    for name in ["tiny.yaml", "train.csv", CLIFixtures.weights] {
      try FileManager.default.createDirectory(
        at: folder.url.appendingPathComponent(name).deletingLastPathComponent(), withIntermediateDirectories: true)
      try FileManager.default.copyItem(
        at: shared.url.appendingPathComponent(name), to: folder.url.appendingPathComponent(name))
    }
    let run = try folder.run("predict", "tiny.yaml", "--weights", CLIFixtures.weights, "--input", file.name)
    expectRejected(run, file)
  }

  @Test(arguments: files.filter { $0.name.hasSuffix(".csv") || $0.name.hasSuffix(".csv.gz") })
  func trainingSource(_ file: File) throws {
    let folder = try CLIFolder()
    try file.make(folder.url.appendingPathComponent(file.name))
    try folder.write("spec.yaml", CLIFixtures.tiny.replacingOccurrences(of: "train.csv", with: file.name))
    let run = try folder.run("train", "spec.yaml", "-o", "run")
    expectRejected(run, file)
  }

  private func expectRejected(_ run: CLIRun, _ file: File) {
    #expect(run.signal == nil && !run.timedOut, "\(run)")
    #expect(run.status == 1 || run.status == 2, "\(run)")
    #expect(run.maxResidentBytes < Self.memoryLimit, "\(run)")
    #expect(run.stderr.contains(file.name), "\(run)")
    #expect(run.stderr.contains(file.expected), "\(run)")
  }
}

/// Bits in deflate's order: least significant first within each byte.
private struct BitWriter {
  var bytes: [UInt8] = []
  private var used = 8

  /// Writes the low `count` bits of `value`, least significant first.
  mutating func write(_ value: Int, count: Int) {
    for bit in 0..<count { append((value >> bit) & 1) }
  }

  /// Writes a Huffman code of `count` bits, most significant first.
  mutating func writeCode(_ code: Int, count: Int) {
    for bit in (0..<count).reversed() { append((code >> bit) & 1) }
  }

  private mutating func append(_ bit: Int) {
    if used == 8 {
      bytes.append(0)
      used = 0
    }
    bytes[bytes.count - 1] |= UInt8(bit) << used
    used += 1
  }
}

/// The CRC-32 of `count` zero bytes.
private func crc32OfZeros(_ count: Int) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for _ in 0..<count {
    for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
  }
  return ~crc
}
