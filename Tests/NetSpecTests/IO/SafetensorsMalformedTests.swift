import Foundation
import Testing

@testable import NetSpec

@Suite("Safetensors: malformed files")
struct SafetensorsMalformedTests {
  /// The error reading `bytes`, or nil when they read.
  private func readError(_ bytes: [UInt8]) -> SafetensorsError? {
    do {
      _ = try SafetensorsFile(bytes: bytes)
      return nil
    } catch { return error }
  }

  /// The error for a file with `header` (padded here) and `byteCount` zero bytes of data.
  private func readError(header: String, byteCount: Int) -> SafetensorsError? {
    let padded = header + String(repeating: " ", count: (8 - header.utf8.count % 8) % 8)
    return readError(rawFile(header: padded, data: [UInt8](repeating: 0, count: byteCount)))
  }

  private func tensorEntry(_ name: String, _ shape: [Int], _ offsets: [Int], dtype: String = "F32") -> String {
    #""\#(name)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":\#(offsets)}"#
  }

  private var valid: [UInt8] {
    get throws {
      try SafetensorsFile(tensors: [
        NamedTensor(name: "a", shape: [2], values: [1, 2]), NamedTensor(name: "b", shape: [3], values: [3, 4, 5]),
      ]).encoded()
    }
  }

  @Test("shorter than the 8-byte length")
  func tooShort() {
    let error = readError([1, 0, 0])
    #expect(error?.problem == .file(.tooShort(fileSize: 3)))
    #expect(error?.description == "not a safetensors file: 3 bytes, too short for the 8-byte header length")
  }

  @Test("truncated inside the header")
  func truncatedHeader() throws {
    let bytes = try valid
    let error = readError(Array(bytes.prefix(30)))
    #expect(error?.problem == .file(.headerPastEnd(length: UInt64(bytes[0]), fileSize: 30)))
    #expect(
      error?.description
        == "header length \(bytes[0]) runs past the end of the file (30 bytes); is the file truncated?")
  }

  @Test("truncated inside the data")
  func truncatedData() throws {
    let error = readError(Array(try valid.dropLast(3)))
    #expect(error?.problem == .offsetsOutOfBounds(tensor: "b", offsets: [8, 20], dataSize: 17))
    #expect(
      error?.description == #"tensor "b": data_offsets [8, 20] run past the end of the data (17 bytes); "#
        + "is the file truncated?")
  }

  @Test("header length beyond the limit (a text file, a huge number)")
  func headerTooLarge() {
    let text = Array("hello, world, this is not safetensors".utf8)
    let length = text[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    #expect(readError(text)?.problem == .file(.headerTooLarge(length: length)))
    #expect(readError([UInt8](repeating: 0xFF, count: 16))?.problem == .file(.headerTooLarge(length: .max)))
    #expect(
      readError([0, 0, 0, 0, 1, 0, 0, 0])?.description
        == "not a safetensors file: header length 4294967296 is above the limit of 100000000 bytes")
  }

  @Test("header that is not JSON, or not an object")
  func badJSON() {
    let error = readError(header: #"{"a": {"dtype": "F32",}}"#, byteCount: 0)
    #expect(error?.problem == .headerNotJSON("at byte 22: expected a string key, found `}`"))
    #expect(error?.description == "header is not valid JSON: at byte 22: expected a string key, found `}`")
    #expect(readError(header: "[1, 2]", byteCount: 0)?.problem == .headerNotObject)
    #expect(
      readError(header: #"{"a":1,"a":2}"#, byteCount: 0)?.problem == .headerNotJSON(#"at byte 7: duplicate key "a""#))
    var latin1: [UInt8] = [8, 0, 0, 0, 0, 0, 0, 0]
    latin1 += [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D, 0x20]  // {"<FF>":1}
    #expect(readError(latin1)?.problem == .headerNotJSON("at byte 1: string is not valid UTF-8"))
  }

  @Test("overlapping offsets")
  func overlap() {
    let error = readError(
      header: "{" + tensorEntry("a", [4], [0, 16]) + "," + tensorEntry("b", [4], [8, 24]) + "}", byteCount: 24)
    #expect(error?.problem == .overlap(tensor: "b", offsets: [8, 24], other: "a", otherOffsets: [0, 16]))
    #expect(error?.description == #"tensors "a" [0, 16] and "b" [8, 24] overlap"#)
  }

  @Test("byte count that does not match the shape")
  func wrongByteCount() {
    let error = readError(header: "{" + tensorEntry("w", [2, 3], [0, 20]) + "}", byteCount: 20)
    #expect(error?.problem == .byteCountMismatch(tensor: "w", dtype: "F32", shape: [2, 3], offsets: [0, 20]))
    #expect(error?.description == #"tensor "w": shape [2, 3] of F32 needs 24 bytes, but data_offsets [0, 20] hold 20"#)
  }

  @Test("a dtype NetSpec does not read, and one the format does not define")
  func dtypes() {
    let unsupported = readError(header: "{" + tensorEntry("ids", [2], [0, 16], dtype: "I64") + "}", byteCount: 16)
    #expect(unsupported?.problem == .unsupportedDtype(tensor: "ids", dtype: "I64"))
    #expect(
      unsupported?.description
        == #"tensor "ids" has dtype I64, which NetSpec cannot read as float32; supported: F16, BF16, F32, F64"#)
    let unknown = readError(header: "{" + tensorEntry("w", [1], [0, 4], dtype: "F33") + "}", byteCount: 4)
    #expect(unknown?.problem == .unknownDtype(tensor: "w", dtype: "F33"))
    #expect(
      unknown?.description.hasPrefix(#"tensor "w": unknown dtype "F33"; the format defines BOOL, U8, I8"#) == true)
  }

  @Test("gaps between tensors and bytes after the last")
  func gapsAndTrailingBytes() {
    let gap = readError(
      header: "{" + tensorEntry("a", [1], [0, 4]) + "," + tensorEntry("b", [1], [8, 12]) + "}", byteCount: 12)
    #expect(gap?.problem == .gap(tensor: "b", bytes: 4))
    #expect(gap?.description == #"4 unused bytes before tensor "b"; tensors must be contiguous"#)
    let trailing = readError(header: "{" + tensorEntry("a", [1], [0, 4]) + "}", byteCount: 9)
    #expect(trailing?.problem == .trailingBytes(5))
    #expect(trailing?.description == "5 unused bytes after the last tensor")
  }

  @Test("entries with missing or mistyped fields")
  func badEntries() {
    func problem(_ body: String, bytes: Int = 4) -> SafetensorsError.Problem? {
      readError(header: #"{"w":"# + body + "}", byteCount: bytes)?.problem
    }
    #expect(problem("[]") == .badEntry(tensor: "w", "expected an object with dtype, shape and data_offsets"))
    #expect(problem(#"{"shape":[1],"data_offsets":[0,4]}"#) == .badEntry(tensor: "w", "`dtype` must be a string"))
    #expect(
      problem(#"{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}"#)
        == .badEntry(tensor: "w", "`shape` must be a list of non-negative integers"))
    #expect(
      problem(#"{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}"#)
        == .badEntry(tensor: "w", "`shape` must be a list of non-negative integers"))
    #expect(
      problem(#"{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}"#)
        == .badEntry(tensor: "w", "`data_offsets` must be two non-negative integers [begin, end]"))
    #expect(
      problem(#"{"dtype":"F32","shape":[1],"data_offsets":[4,0]}"#)
        == .badEntry(tensor: "w", "data_offsets [4, 0] end before they begin"))
    #expect(
      problem(#"{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}"#)
        == .badEntry(tensor: "w", "shape [4294967296, 4294967296] is too large"))
  }

  @Test("metadata that is not an object of strings")
  func badMetadata() {
    let error = readError(header: #"{"__metadata__":{"epoch":3}}"#, byteCount: 0)
    #expect(error?.description == #"`__metadata__` must map strings to strings; "epoch" is not a string"#)
    #expect(readError(header: #"{"__metadata__":"x"}"#, byteCount: 0)?.problem == .badMetadata("must be an object"))
    #expect(readError(header: #"{"__metadata__":null}"#, byteCount: 0) == nil)
  }

  @Test("a file that cannot be read names the path and the reason; a bad file names it too")
  func pathsInErrors() throws {
    let directory = try TemporaryDirectory()
    let missing = directory.path("missing.safetensors")
    #expect(throws: SafetensorsError.self) { try SafetensorsFile(contentsOf: missing) }
    do {
      _ = try SafetensorsFile(contentsOf: missing)
    } catch {
      #expect(error.path == missing)
      #expect(error.description == missing + ": cannot read the file: stat: No such file or directory")
    }
    #expect(throws: SafetensorsError(.file(.notRegularFile("a directory")), path: directory.url.path)) {
      try SafetensorsFile(contentsOf: directory.url.path)
    }
    let bad = directory.path("bad.safetensors")
    try Data([1, 2, 3]).write(to: URL(fileURLWithPath: bad))
    do {
      _ = try SafetensorsFile(contentsOf: bad)
      Issue.record("expected an error")
    } catch {
      #expect(error.description == bad + ": not a safetensors file: 3 bytes, too short for the 8-byte header length")
    }
  }
}
