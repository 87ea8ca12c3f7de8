import Foundation
import Testing

@testable import NetSpec

/// An .npy file: `descr` and `shape` as NumPy writes them, then `data`.
private func npy(_ descr: String, _ shape: String, _ data: [UInt8], version: UInt8 = 1, fortran: Bool = false)
  -> [UInt8]
{
  var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
  let prefix = version == 1 ? 10 : 12
  while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
  header += "\n"
  let length = header.utf8.count
  let lengthBytes: [UInt8] =
    version == 1
    ? [UInt8(length & 0xFF), UInt8(length >> 8)]
    : [UInt8(length & 0xFF), UInt8(length >> 8), 0, 0]
  return [0x93] + Array("NUMPY".utf8) + [version, 0] + lengthBytes + Array(header.utf8) + data
}

private func bytes<T>(_ values: [T]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

/// An IDX file with a big-endian header.
private func idx(type: UInt8, shape: [Int], _ data: [UInt8]) -> [UInt8] {
  var out: [UInt8] = [0, 0, type, UInt8(shape.count)]
  for size in shape {
    out += [UInt8(size >> 24 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)]
  }
  return out + data
}

@Suite("NPY and IDX readers")
struct ArrayReaderTests {
  @Test func npyElementTypes() throws {
    let f4 = try NPYReader.read(npy("<f4", "(2, 3)", bytes([Float](arrayLiteral: 1, 2, 3, 4, 5, 6.5))))
    #expect(f4.shape == [2, 3])
    #expect(f4.values == [1, 2, 3, 4, 5, 6.5])
    #expect(try NPYReader.read(npy("<f8", "(2,)", bytes([0.25, -1.0]))).values == [0.25, -1])
    #expect(try NPYReader.read(npy("<i4", "(3,)", bytes([Int32(-1), 0, 7]))).values == [-1, 0, 7])
    #expect(try NPYReader.read(npy("<i8", "(2, 1)", bytes([Int64(9), 1 << 20]))).values == [9, 1_048_576])
    #expect(try NPYReader.read(npy("|u1", "(2,)", [255, 3])).values == [255, 3])
    #expect(try NPYReader.read(npy(">i2", "(2,)", [0x01, 0x00, 0xFF, 0xFE])).values == [256, -2])
    let v2 = try NPYReader.read(npy("<f4", "(1, 2, 2)", bytes([Float](arrayLiteral: 1, 2, 3, 4)), version: 2))
    #expect(v2.shape == [1, 2, 2])
  }

  @Test(arguments: [
    (Array("not numpy".utf8), "not a NumPy .npy file"),
    (npy("<c8", "(1,)", [0, 0, 0, 0, 0, 0, 0, 0]), "unsupported element type `<c8`"),
    (npy("|f4", "(1,)", [0, 0, 0, 0]), "unsupported element type `|f4`"),
    (npy("<f4", "(2, 2)", [UInt8](repeating: 0, count: 16), fortran: true), "Fortran"),
    (npy("<f4", "(3, 2)", [UInt8](repeating: 0, count: 20)), "needs 24 bytes of data, but the file holds 20"),
    (npy("<f4", "(1,)", [0, 0, 0, 0, 0]), "needs 4 bytes of data, but the file holds 5"),
    (npy("<f4", "()", [0, 0, 0, 0]), "scalar"),
    (npy("<f4", "(2,)", bytes([Float(1), .nan])), "sample 1, value 0 is not a finite float32 value"),
    (npy("<f8", "(1,)", bytes([1e300])), "not a finite float32 value"),
    (Array(npy("<f4", "(1,)", [0, 0, 0, 0]).prefix(40)), "file ends after 40 bytes"),
    (npy("<f4", "(65536, 65536, 2)", []), "the shape (65536, 65536, 2) holds too many values"),
    // An empty first axis does not hide a sample too large to count (found by Fuzz/run.sh idx).
    (npy("<f4", "(0, 65536, 65536, 2)", []), "the shape (0, 65536, 65536, 2) holds too many values"),
  ])
  func npyErrors(_ file: [UInt8], _ expected: String) {
    let message = readError(file, NPYReader.read)
    #expect(message?.contains(expected) == true, "\(message ?? "no error")")
  }

  @Test func idxTypes() throws {
    let images = try IDXReader.read(idx(type: 0x08, shape: [2, 2, 3], Array(0..<12)))
    #expect(images.shape == [2, 2, 3])
    #expect(images.values == (0..<12).map(Float.init))
    #expect(try IDXReader.read(idx(type: 0x0C, shape: [2], [0, 0, 1, 0, 0xFF, 0xFF, 0xFF, 0xFF])).values == [256, -1])
    #expect(try IDXReader.read(idx(type: 0x0D, shape: [1], [0x3F, 0xC0, 0, 0])).values == [1.5])
    #expect(try IDXReader.read(idx(type: 0x09, shape: [1], [0xFE])).values == [-2])
  }

  @Test(arguments: [
    ([UInt8](), "not an IDX file"),
    ([0x1F, 0x8B, 8, 0], "not an IDX file: it starts with bytes 1f 8b 8 0"),
    ([0, 0, 0x07, 1, 0, 0, 0, 1, 0], "unknown IDX element type 0x7"),
    ([0, 0, 0x08, 0], "0 axes"),
    ([0, 0, 0x08, 3, 0, 0, 0, 1], "declares 3 axes, but the file ends after 8 bytes"),
    (idx(type: 0x08, shape: [2, 2], [1, 2, 3]), "shape 2x2 needs 4 bytes of data, but the file holds 3"),
    (idx(type: 0x0D, shape: [1], [0x7F, 0xC0, 0, 0]), "sample 0, value 0 is not a finite"),
    // IDX names the axes read until the count grew too large.
    (idx(type: 0x08, shape: [65536, 65536, 2], []), "the shape 65536x65536 holds too many values"),
    // An empty first axis does not hide a sample too large to count (found by Fuzz/run.sh idx).
    (
      idx(type: 0x0D, shape: [0, 28788, 1_768_910_433, 757_900_880], []), "the shape 0x28788x1768910433 holds too many"
    ),
  ])
  func idxErrors(_ file: [UInt8], _ expected: String) {
    let message = readError(file, IDXReader.read)
    #expect(message?.contains(expected) == true, "\(message ?? "no error")")
  }

  @Test func gzippedIDXFile() throws {
    let folder = fixtureFolder()
    let path = folder.write("labels.idx.gz", gzipStored(idx(type: 0x08, shape: [3], [7, 8, 9])))
    #expect(try IDXReader.read(readDataFile(path)).values == [7, 8, 9])
    let plain = folder.write("labels.gz", idx(type: 0x08, shape: [1], [7]))
    #expect(readError([]) { (_) throws(DataFileError) in try readDataFile(plain) }?.contains("not gzip") == true)
  }
}
