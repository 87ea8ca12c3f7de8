import Foundation
import Testing

@testable import NetSpec

@Suite("Gzip")
struct GzipTests {
  private let digits = try! readDataFile(exampleData("digits.csv.gz"))

  @Test func realFileDecompresses() throws {
    let compressed = try #require(FileManager.default.contents(atPath: exampleData("digits.csv.gz")))
    let text = try gunzip([UInt8](compressed))
    #expect(text == digits)
    #expect(text.count(where: { $0 == UInt8(ascii: "\n") }) == 1797)
  }

  @Test func storedBlocksAndConcatenatedMembers() throws {
    let a = Array("hello, ".utf8)
    let b = Array(repeating: UInt8(ascii: "x"), count: 70_000)  // two stored blocks
    #expect(try gunzip(gzipStored(a)) == a)
    #expect(try gunzip(gzipStored(a) + gzipStored(b)) == a + b)
    #expect(try gunzip(gzipStored([])) == [])
  }

  @Test func outputLimitRejectsBombs() throws {
    let compressed = [UInt8](try #require(FileManager.default.contents(atPath: exampleData("digits.csv.gz"))))
    let message = readError(compressed) { (bytes) throws(DataFileError) in try gunzip(bytes, limit: 10_000) }
    #expect(message?.contains("more than 10000 bytes") == true, "\(message ?? "no error")")
  }

  @Test func malformedStreams() throws {
    let compressed = [UInt8](try #require(FileManager.default.contents(atPath: exampleData("digits.csv.gz"))))
    let cases: [([UInt8], String)] = [
      (Array(compressed.prefix(compressed.count / 2)), "ends early"),
      (Array(compressed.prefix(5)), "ends early"),
      ([], "not gzip-compressed"),
      (Array("1,2,3\n".utf8), "not gzip-compressed"),
      (gzipStored(Array("abc".utf8)) + [0, 0, 0], "unexpected bytes after the end"),
      (corrupted(gzipStored(Array("abcdef".utf8)), at: 18), "damaged"),  // a CRC byte
      (corrupted(compressed, at: 2), "damaged"),  // compression method
    ]
    for (bytes, expected) in cases {
      let message = readError(bytes) { (bytes) throws(DataFileError) in try gunzip(bytes) }
      #expect(message?.contains(expected) == true, "\(message ?? "no error"), expected \(expected)")
    }
  }

  private func corrupted(_ bytes: [UInt8], at index: Int) -> [UInt8] {
    var copy = bytes
    copy[index] ^= 0x55
    return copy
  }
}
