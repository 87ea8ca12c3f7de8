import NetSpecRuntime

/// libFuzzer entry point: the input bytes as a NumPy `.npy` file, parsed by
/// the runtime's ``NPYReader``. A ``DataFileError`` is the expected rejection.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  _ = try? NPYReader.read(Array(UnsafeBufferPointer(start: data, count: size)))
  return 0
}
