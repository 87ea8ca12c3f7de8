import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec
@testable import NetSpecRuntime

#if canImport(Glibc)
  import Glibc
#endif

/// Weights files that claim more than they hold, or are not files at all:
/// each is refused from its header and size, before tensor data is read.
@Suite("Safetensors: bounded reading")
struct SafetensorsBoundedReadTests {
  /// The error reading `path` (with `expected` shapes), or nil when it reads.
  private func readError(_ path: String, expected: [String: [Int]]? = nil) -> SafetensorsError? {
    do {
      _ = try SafetensorsFile(contentsOf: path, expected: expected)
      return nil
    } catch { return error }
  }

  /// A sparse file of `size` bytes (holes read as zeros) that starts with `prefix`.
  private func sparseFile(_ path: String, size: Int, prefix: [UInt8]) throws {
    try Data(prefix).write(to: URL(fileURLWithPath: path))
    guard truncate(path, off_t(size)) == 0 else { throw CocoaError(.fileWriteUnknown) }
  }

  /// The 8-byte length and `header`, padded to a multiple of 8.
  private func headerBytes(_ header: String) -> [UInt8] {
    let padded = Array(header.utf8) + [UInt8](repeating: 0x20, count: (8 - header.utf8.count % 8) % 8)
    return withUnsafeBytes(of: UInt64(padded.count).littleEndian) { Array($0) } + padded
  }

  @Test("a device, a FIFO and a directory are refused before they are read")
  func notRegularFiles() throws {
    #expect(readError("/dev/zero")?.problem == .file(.notRegularFile("a device")))
    #expect(
      readError("/dev/zero")?.description == "/dev/zero: cannot read the file: this is a device, not a weights file")
    let directory = try TemporaryDirectory()
    let fifo = directory.path("weights.fifo")
    try #require(mkfifo(fifo, 0o600) == 0)
    #expect(readError(fifo)?.problem == .file(.notRegularFile("a FIFO (named pipe)")))
    #expect(readError(directory.url.path)?.problem == .file(.notRegularFile("a directory")))
  }

  @Test("a 3 GB sparse file: zeros, a huge header length, a header past the end")
  func sparseFiles() throws {
    let directory = try TemporaryDirectory()
    let size = 3 << 30
    let zeros = directory.path("zeros.safetensors")
    try sparseFile(zeros, size: size, prefix: [])
    #expect(readError(zeros)?.problem == .headerNotJSON("at byte 0: expected a value, found end of input"))
    let huge = directory.path("huge.safetensors")
    try sparseFile(huge, size: size, prefix: [0, 0, 0, 0, 0, 0, 0, 0x7F])
    #expect(readError(huge)?.problem == .file(.headerTooLarge(length: 0x7F00_0000_0000_0000)))
    let past = directory.path("past.safetensors")
    try sparseFile(past, size: 64, prefix: [0, 0xE1, 0xF5, 0x05, 0, 0, 0, 0])  // 100_000_000, the limit
    #expect(readError(past)?.problem == .file(.headerPastEnd(length: 100_000_000, fileSize: 64)))
  }

  @Test("a tensor that claims the whole sparse file is matched against the model before its data is read")
  func hugeTensorAgainstTheModel() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("claims.safetensors")
    let count = 3 << 28  // 3 GB of float32
    let header = headerBytes(#"{"w":{"dtype":"F32","shape":[\#(count)],"data_offsets":[0,\#(count * 4)]}}"#)
    try sparseFile(path, size: header.count + count * 4, prefix: header)
    let error = readError(path, expected: ["w": [2, 3]])
    #expect(
      error?.problem == .doesNotMatch([.shape(name: "w", expected: [2, 3], found: [count])], expected: ["w": [2, 3]]))
    #expect(error?.path == path)
  }

  @Test("a header of a million values is refused as it is parsed, not after")
  func tooManyValues() {
    let ones = Array(repeating: "1", count: SafetensorsFile.maxHeaderValues).joined(separator: ",")
    let header = headerBytes(#"{"w":{"dtype":"F32","shape":[\#(ones)],"data_offsets":[0,4]}}"#)
    // Value 1,000,001 is the shape's element 999,996, at byte 29 + 2 * 999,996.
    #expect(throws: SafetensorsError(.headerNotJSON("at byte 2000021: more than 1000000 values"))) {
      try SafetensorsFile(bytes: header + [0, 0, 0, 0])
    }
  }

  @Test("data offsets past the end of a file are refused from the header")
  func offsetsPastTheFile() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("short.safetensors")
    let header = headerBytes(#"{"w":{"dtype":"F32","shape":[1000000],"data_offsets":[0,4000000]}}"#)
    try Data(header + [0, 0, 0, 0]).write(to: URL(fileURLWithPath: path))
    #expect(
      readError(path)?.problem == .offsetsOutOfBounds(tensor: "w", offsets: [0, 4_000_000], dataSize: 4))
  }

  @Test("the runtime's writer and NetSpec's encoder give the same bytes, also for awkward names")
  func oneEncoder() throws {
    let names = ["b\u{08}\u{0C}\n\r\t\u{01}\u{1F}\"\\", "a/é", "Z", "\u{7F}ü", "e\u{301}"]
    let tensors = names.enumerated().map { NamedTensor(name: $1, shape: [$0 + 1], values: (0...$0).map(Float.init)) }
    let metadata = ["é": "1", "z": "x\u{1}", "E\u{301}": "\u{2028}", "a": "\"q\""]
    let expected = try SafetensorsFile(tensors: tensors, metadata: metadata).encoded()
    let directory = try TemporaryDirectory()
    let path = directory.path("runtime.safetensors")
    let buffers = tensors.map { tensor in
      let pointer = UnsafeMutableBufferPointer<Float>.allocate(capacity: tensor.values.count)
      _ = pointer.initialize(from: tensor.values)
      return pointer
    }
    defer { buffers.forEach { $0.deallocate() } }
    try SafetensorsArchive.write(
      zip(tensors, buffers).map { ($0.name, $0.shape, UnsafeBufferPointer($1)) }, metadata: metadata, to: path)
    #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == expected)
    let back = try SafetensorsArchive.read(path)
    #expect(back.metadata == metadata)
    #expect(back.tensors["Z"]?.values == [0, 1, 2])
  }

  @Test("the runtime's escaping is serde_json's, as the diagnostics' escaper spells it")
  func escapingAgrees() {
    for value in Array(0..<0x80) + [0xE9, 0x2028, 0x1F600] {
      let text = String(Unicode.Scalar(UInt32(value))!)
      #expect(SafetensorsArchive.quoted(text) == JSONEscaping.serdeJSON.quoted(text), "U+\(value)")
    }
  }

  @Test("the runtime's reader refuses a tensor the model does not have before reading it")
  func runtimeReaderMatchesTheModel() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("claims.safetensors")
    let count = 3 << 28
    let header = headerBytes(#"{"w":{"dtype":"F32","shape":[\#(count)],"data_offsets":[0,\#(count * 4)]}}"#)
    try sparseFile(path, size: header.count + count * 4, prefix: header)
    do {
      _ = try SafetensorsArchive.read(path, expected: ["w": [2, 3]])
      Issue.record("expected an error")
    } catch {
      #expect("\(error)" == "`\(path)` holds a tensor w of shape [\(count)], which the model does not have")
    }
  }

  @Test("the runtime's reader refuses devices, NaN and infinite values")
  func runtimeReader() throws {
    #expect(throws: SafetensorsArchive.Failure.self) { try SafetensorsArchive.read("/dev/zero") }
    let directory = try TemporaryDirectory()
    let path = directory.path("nan.safetensors")
    try SafetensorsFile(tensors: [NamedTensor(name: "w", shape: [2], values: [1, .infinity])]).write(to: path)
    do {
      _ = try SafetensorsArchive.read(path)
      Issue.record("expected an error")
    } catch {
      #expect("\(error)" == "`\(path)`: tensor w holds inf at element 1; weights must be finite")
    }
  }

  @Test("the runtime's reader counts a header's values before parsing it")
  func runtimeReaderBoundsHeaderValues() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("values.safetensors")
    let values = Array(repeating: "0", count: SafetensorsArchive.maxHeaderValues + 1).joined(separator: ",")
    let header = headerBytes(#"{"__metadata__":{"a":[\#(values)]}}"#)
    try Data(header).write(to: URL(fileURLWithPath: path))
    do {
      _ = try SafetensorsArchive.read(path)
      Issue.record("expected an error")
    } catch {
      #expect(
        "\(error)"
          == "`\(path)` has a safetensors header of more than 1000000 values; it is not a weights file")
    }
  }
}
