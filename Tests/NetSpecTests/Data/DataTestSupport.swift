import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// The bundled real data sets, `Examples/data/<name>`.
func exampleData(_ name: String) -> String {
  URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../Examples/data/\(name)")
    .standardizedFileURL.path
}

/// A fresh temporary folder for one test's fixture files, inside one folder
/// per test process (`netspec-data-tests-<pid>`).
func fixtureFolder() -> URL {
  let folder = FileManager.default.temporaryDirectory
    .appendingPathComponent("netspec-data-tests-\(ProcessInfo.processInfo.processIdentifier)")
    .appendingPathComponent(UUID().uuidString)
  try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  return folder
}

extension URL {
  /// Writes `bytes` to the file `name` in this folder and returns its path.
  @discardableResult
  func write(_ name: String, _ bytes: [UInt8]) -> String {
    let url = appendingPathComponent(name)
    _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
    return url.path
  }

  @discardableResult
  func write(_ name: String, _ text: String) -> String { write(name, Array(text.utf8)) }
}

/// A valid gzip member holding `bytes` in stored (uncompressed) deflate blocks.
func gzipStored(_ bytes: [UInt8]) -> [UInt8] {
  var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]
  var offset = 0
  repeat {
    let count = min(65535, bytes.count - offset)
    let final: UInt8 = offset + count == bytes.count ? 1 : 0
    out += [final, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
    out += bytes[offset..<(offset + count)]
    offset += count
  } while offset < bytes.count
  return out + littleEndian(crc32(bytes)) + littleEndian(UInt32(truncatingIfNeeded: bytes.count))
}

private func littleEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }

private func crc32(_ bytes: [UInt8]) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for byte in bytes {
    crc ^= UInt32(byte)
    for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
  }
  return ~crc
}

/// A checked spec whose file "is" `folder/spec.yaml`, so relative data paths
/// start at `folder`. Records an issue with the diagnostics when it fails.
func checkedSpec(_ yaml: String, in folder: URL, sourceLocation: Testing.SourceLocation = #_sourceLocation)
  -> CheckedSpec?
{
  var diagnostics = DiagnosticBag()
  let spec = Frontend.check(
    SourceFile(path: folder.appendingPathComponent("spec.yaml").path, text: yaml), &diagnostics)
  if spec == nil {
    Issue.record("the spec does not check: \(diagnostics.sorted.map(\.message))", sourceLocation: sourceLocation)
  }
  return spec
}

/// Runs the data pipeline on a spec's `data:` section.
func loadData(_ spec: CheckedSpec, seed: Int? = nil) -> (PreparedData?, [Diagnostic]) {
  var diagnostics = DiagnosticBag()
  guard let data = spec.document.data else {
    Issue.record("the spec has no data section")
    return (nil, [])
  }
  let prepared = DataPipeline.load(
    data, for: spec.graph, seed: seed ?? spec.document.train?.seed ?? 0, &diagnostics)
  return (prepared, diagnostics.sorted)
}

/// The source text under a diagnostic's primary span.
func spanText(_ diagnostic: Diagnostic) -> String? {
  diagnostic.span.map { String(decoding: $0.file.bytes[$0.start.offset..<$0.end.offset], as: UTF8.self) }
}

/// The message and help lines of a diagnostic, for `contains` checks.
func fullText(_ diagnostic: Diagnostic) -> String { ([diagnostic.message] + diagnostic.helps).joined(separator: "\n") }

/// Reads a data file the way the pipeline does, returning the error message on failure.
func readError<Parsed>(_ bytes: [UInt8], _ parse: ([UInt8]) throws(DataFileError) -> Parsed) -> String? {
  do {
    _ = try parse(bytes)
    return nil
  } catch {
    return error.message
  }
}

/// The whole (decompressed) contents of a data file, read as the pipeline streams it.
func readDataFile(_ path: String) throws(DataFileError) -> [UInt8] {
  var stream = try DataFileBytes.open(path)
  return try stream.readToEnd()
}

/// The decompressed contents of gzip `bytes`.
func gunzip(_ bytes: [UInt8], limit: Int = Gzip.maxOutputBytes) throws(DataFileError) -> [UInt8] {
  var stream = try Gzip(MemoryByteStream(bytes), limit: limit)
  return try stream.readToEnd()
}
