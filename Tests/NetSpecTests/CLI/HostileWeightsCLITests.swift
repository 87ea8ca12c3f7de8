import Foundation
import Testing

@testable import NetSpec

#if canImport(Glibc)
  import Glibc
#endif

/// Hostile weights files through `netspec predict` and `netspec eval`: each
/// is refused with exit code 1 or 2 and a message naming it, in bounded
/// memory, whatever size it claims or has.
@Suite("Hostile weights files")
struct HostileWeightsCLITests {
  /// The issue's target for a hostile weights file (peak RSS of the child).
  static let memoryLimit = 100 << 20

  /// A sparse file of `size` bytes (holes read as zeros) that starts with `prefix`.
  private static func sparse(_ folder: CLIFolder, _ name: String, size: Int, prefix: [UInt8]) throws -> String {
    _ = try folder.write(name, bytes: prefix)
    guard truncate(folder.url.appendingPathComponent(name).path, off_t(size)) == 0 else {
      throw CLIError("truncate \(name)")
    }
    return name
  }

  /// Runs `netspec arguments...` in `folder` under GNU `time`, and returns
  /// the run and netspec's own peak RSS in bytes (nil without `/usr/bin/time`).
  private static func measured(_ folder: CLIFolder, _ arguments: [String]) throws -> (CLIRun, Int?) {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else {
      return (try folder.run(arguments), nil)
    }
    let report = "rss-\(UUID().uuidString).txt"
    let run = try CLIRun.netspec(arguments, in: folder.url, wrapper: ["/usr/bin/time", "-f", "%M", "-o", report])
    let text = try String(contentsOf: folder.url.appendingPathComponent(report), encoding: .utf8)
    // GNU time may write a line about the exit status first; the last line is the peak in KiB.
    return (run, (text.split(separator: "\n").last.flatMap { Int($0) } ?? Int.max / 1024) * 1024)
  }

  /// The 8-byte length and `header`, padded to a multiple of 8.
  private static func header(_ text: String) -> [UInt8] {
    let padded = Array(text.utf8) + [UInt8](repeating: 0x20, count: (8 - text.utf8.count % 8) % 8)
    return withUnsafeBytes(of: UInt64(padded.count).littleEndian) { Array($0) } + padded
  }

  @Test func hostileWeightsAreRefusedInBoundedMemory() throws {
    let shared = try CLIFixtures.folder.get()
    let folder = try CLIFolder()
    _ = try folder.write("tiny.yaml", CLIFixtures.tiny)
    _ = try folder.write("train.csv", CLIFixtures.trainCSV)
    _ = try folder.write("samples.csv", "1,0,1,1\n2,1,2,1\n")
    let size = 3 << 30
    let count = 3 << 28
    let files = [
      "/dev/zero",
      try Self.sparse(folder, "zeros.safetensors", size: size, prefix: []),
      try Self.sparse(folder, "huge-length.safetensors", size: size, prefix: [0, 0, 0, 0, 0, 0, 0, 0x7F]),
      try Self.sparse(folder, "past-end.safetensors", size: 4096, prefix: [0, 0, 0, 0, 1, 0, 0, 0]),
      try Self.sparse(
        folder, "claims.safetensors", size: size,
        prefix: Self.header(#"{"logits.weight":{"dtype":"F32","shape":[\#(count)],"data_offsets":[0,\#(count * 4)]}}"#)),
    ]
    for weights in files {
      for command in [
        ["predict", "tiny.yaml", "--weights", weights, "--input", "samples.csv"],
        ["eval", "tiny.yaml", "--weights", weights],
      ] {
        let (run, peak) = try Self.measured(folder, command)
        HostileCLITests.expectContained(run, named: weights, located: false)
        #expect((peak ?? 0) < Self.memoryLimit, "\(command): peak RSS \(peak ?? 0) bytes; \(run)")
      }
    }
    // NaN weights where the trained ones are.
    let trained = try SafetensorsFile(contentsOf: shared.url.appendingPathComponent(CLIFixtures.weights).path)
    let poisoned = trained.tensors.map { tensor in
      var tensor = tensor
      tensor.values[0] = .nan
      return tensor
    }
    try SafetensorsFile(tensors: poisoned, metadata: trained.metadata)
      .write(to: folder.url.appendingPathComponent("nan.safetensors").path)
    for command in [
      ["predict", "tiny.yaml", "--weights", "nan.safetensors", "--input", "samples.csv"],
      ["eval", "tiny.yaml", "--weights", "nan.safetensors"],
    ] {
      let run = try folder.run(command)
      HostileCLITests.expectContained(run, named: "nan.safetensors", located: false)
      #expect(run.stderr.contains("holds nan at element 0; weights must be finite"), "\(run)")
    }
  }
}
