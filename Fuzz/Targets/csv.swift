import NetSpecRuntime

/// libFuzzer entry point: the input bytes as a CSV data file's (decompressed)
/// contents, parsed by the runtime's ``CSVReader`` that `netspec train` and
/// emitted packages share. A ``DataFileError`` is the expected rejection.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  _ = try? CSVReader.parse(Array(UnsafeBufferPointer(start: data, count: size)))
  return 0
}
