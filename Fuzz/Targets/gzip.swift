@testable import NetSpec

/// libFuzzer entry point: the input bytes as a gzip-compressed data file,
/// inflated by the streamed `Gzip` reader (the step before every data reader)
/// to the end, with a 1 MiB output limit instead of 1 GiB, so that a bomb is
/// cut short quickly.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  guard let stream = try? Gzip(MemoryByteStream(bytes), limit: 1 << 20) else { return 0 }
  while let chunk = try? stream.read(upTo: 1 << 16), !chunk.isEmpty {}
  return 0
}
