@testable import NetSpec

/// libFuzzer entry point: the input bytes as a gzip-compressed data file,
/// inflated by `Gzip.decompress` (the step before every data reader) with a
/// 1 MiB output limit instead of 1 GiB, so that a bomb is cut short quickly.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  _ = try? Gzip.decompress(Array(UnsafeBufferPointer(start: data, count: size)), limit: 1 << 20)
  return 0
}
