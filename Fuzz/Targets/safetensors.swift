import Foundation
import NetSpec

/// A scratch file per process for the runtime reader, which reads from a path.
private let scratchPath = NSTemporaryDirectory() + "netspec-fuzz-\(getpid()).safetensors"

/// libFuzzer entry point: the input bytes as a weights file, decoded by both
/// safetensors readers: the compiler's ``SafetensorsFile/init(bytes:)``
/// (`predict`, `eval`, `train --init`) and the runtime's
/// ``SafetensorsArchive/read(_:)`` (emitted packages), through a scratch file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  _ = try? SafetensorsFile(bytes: bytes)
  guard FileManager.default.createFile(atPath: scratchPath, contents: Data(bytes)) else {
    fatalError("cannot write the scratch file \(scratchPath)")
  }
  _ = try? SafetensorsArchive.read(scratchPath)
  return 0
}
