import NetSpecRuntime

/// libFuzzer entry point: the input bytes as an IDX (MNIST) file, parsed by
/// the runtime's ``IDXReader``. A ``DataFileError`` is the expected rejection.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  _ = try? IDXReader.read(Array(UnsafeBufferPointer(start: data, count: size)))
  return 0
}
