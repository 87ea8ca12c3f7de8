import Foundation
import NetSpec
import NetSpecDiagnostics
import NetSpecKernels

/// The repository's root folder, where the benchmarks read their specs.
public let packageDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent()

/// One benchmarked model: its checked spec, the name the benchmark prints and
/// the type name its emitted Swift declares.
public struct BenchmarkModel {
  public var name: String
  public var typeName: String
  public var spec: CheckedSpec

  /// The spec at `path` (relative to the repository's root), named as its
  /// `name:` says (else `typeName`); exits when it does not check.
  public init(_ path: String, typeName: String) {
    var diagnostics = DiagnosticBag()
    let url = packageDirectory.appendingPathComponent(path)
    guard let text = try? String(contentsOf: url, encoding: .utf8),
      let spec = Frontend.check(SourceFile(path: url.path, text: text), &diagnostics)
    else { fail("cannot load \(path): \(diagnostics.diagnostics.map(\.message))") }
    self.name = spec.document.name ?? typeName
    self.typeName = typeName
    self.spec = spec
  }
}

/// The benchmarks' fixed batch of `batch` samples: inputs uniform in [-1, 1)
/// from SplitMix64 seed 99, labels cycling through 10 classes (the drivers the
/// benchmarks emit make the same batch from the same generator).
public func fixedBatch(_ batch: Int, inputCount: Int) -> (inputs: [Float], labels: [Float]) {
  var random = SplitMix64(seed: 99)
  let inputs = (0..<(batch * inputCount)).map { _ in 2 * random.nextFloat() - 1 }
  return (inputs, (0..<batch).map { Float($0 % 10) })
}
