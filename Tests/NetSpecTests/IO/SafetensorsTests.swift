import Foundation
import Testing

@testable import NetSpec

@Suite("Safetensors")
struct SafetensorsTests {
  @Test("one tensor: byte-exact file (the reference implementation's test vector)")
  func goldenOneTensor() throws {
    let file = SafetensorsFile(tensors: [NamedTensor(name: "attn.0", shape: [1, 2, 3], values: [0, 1, 2, 3, 4, 5])])
    let header = #"{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}"#
    #expect(try file.encoded() == safetensorsBytes(header: header, floats: [0, 1, 2, 3, 4, 5]))
  }

  @Test("header padded with spaces to a multiple of 8")
  func goldenPadding() throws {
    let file = SafetensorsFile(tensors: [NamedTensor(name: "attn0", shape: [1, 1, 2, 3], values: [0, 1, 2, 3, 4, 5])])
    let header = #"{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}"# + "       "
    let bytes = try file.encoded()
    #expect(bytes == safetensorsBytes(header: header, floats: [0, 1, 2, 3, 4, 5]))
    #expect(bytes[0] == 72)
  }

  @Test("no tensors, with and without metadata")
  func goldenEmpty() throws {
    #expect(try SafetensorsFile(tensors: []).encoded() == safetensorsBytes(header: "{}      ", floats: []))
    let withMetadata = SafetensorsFile(tensors: [], metadata: ["framework": "pt"])
    #expect(
      try withMetadata.encoded() == safetensorsBytes(header: #"{"__metadata__":{"framework":"pt"}}     "#, floats: []))
  }

  @Test("metadata first with sorted keys, tensors by name whatever the input order, strings escaped")
  func goldenOrderAndEscaping() throws {
    let file = SafetensorsFile(
      tensors: [
        NamedTensor(name: "b", shape: [], values: [2]),
        NamedTensor(name: "a\"\n", shape: [0], values: []),
        NamedTensor(name: "B", shape: [1], values: [-1]),
      ],
      metadata: ["seed": "42", "epoch": "3", "spec": "l\u{1}é"])
    let header =
      #"{"__metadata__":{"epoch":"3","seed":"42","spec":"l\u0001é"},"#
      + #""B":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#
      + #""a\"\n":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"#
      + #""b":{"dtype":"F32","shape":[],"data_offsets":[4,8]}}"#
    let padded = header + String(repeating: " ", count: (8 - header.utf8.count % 8) % 8)
    #expect(try file.encoded() == safetensorsBytes(header: padded, floats: [-1, 2]))
  }

  @Test("round trip: names, shapes, metadata and exact float bits (NaN, infinities, -0, subnormals)")
  func roundTrip() throws {
    let special: [Float] = [.nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1]
    let file = SafetensorsFile(
      tensors: [
        NamedTensor(name: "dense_1.weight", shape: [3, 4], values: (0..<12).map { Float($0) * 0.25 - 1 }),
        NamedTensor(name: "dense_1.bias", shape: [7], values: special),
        NamedTensor(name: "scalar", shape: [], values: [42]),
        NamedTensor(name: "empty", shape: [2, 0], values: []),
      ],
      metadata: ["spec": "mlp", "seed": "7", "netspec_version": "0.1"])
    let back = try SafetensorsFile(bytes: try file.encoded())
    #expect(back.metadata == file.metadata)
    #expect(back.tensors.map(\.name) == ["dense_1.bias", "dense_1.weight", "empty", "scalar"])
    for tensor in file.tensors {
      let read = try #require(back[tensor.name])
      #expect(read.shape == tensor.shape)
      #expect(read.values.map(\.bitPattern) == tensor.values.map(\.bitPattern))
    }
    #expect(try back.encoded() == file.encoded())
  }

  @Test("writing the same tensors twice gives the same bytes")
  func deterministic() throws {
    let tensors = (0..<20).map { NamedTensor(name: "t\($0)", shape: [2], values: [Float($0), 1]) }
    let metadata = Dictionary(uniqueKeysWithValues: (0..<20).map { ("k\($0)", "v\($0)") })
    let first = try SafetensorsFile(tensors: tensors, metadata: metadata).encoded()
    let second = try SafetensorsFile(tensors: tensors.reversed(), metadata: metadata).encoded()
    #expect(first == second)
  }

  @Test("F16, BF16 and F64 tensors are read as float32")
  func otherFloatTypes() throws {
    let header =
      #"{"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"#
      + #""h":{"dtype":"F16","shape":[5],"data_offsets":[16,26]},"#
      + #""b":{"dtype":"BF16","shape":[2],"data_offsets":[26,30]}}"#
    var data: [UInt8] = []
    for value in [0.5, -1e-3] as [Double] { withUnsafeBytes(of: value.bitPattern.littleEndian) { data += $0 } }
    // 1.0, -2.0, the smallest subnormal half, 65504 (largest half), +infinity
    for bits in [0x3C00, 0xC000, 0x0001, 0x7BFF, 0x7C00] as [UInt16] {
      withUnsafeBytes(of: bits.littleEndian) { data += $0 }
    }
    for value in [3.0, -0.15625] as [Float] {
      withUnsafeBytes(of: UInt16(value.bitPattern >> 16).littleEndian) { data += $0 }
    }
    let file = try SafetensorsFile(bytes: rawFile(header: header, data: data))
    #expect(file["d"]?.values == [0.5, Float(-1e-3)])
    #expect(file["h"]?.values == [1, -2, 0x1p-24, 65504, .infinity])
    #expect(file["b"]?.values == [3, -0.15625])
  }

  #if !(os(macOS) && arch(x86_64))  // no Float16 there
    @Test("half-precision conversion matches Float16 for every bit pattern")
    func halfConversion() {
      for bits in UInt16.min...UInt16.max {
        let expected = Float(Float16(bitPattern: bits))
        let converted = SafetensorsDtype.half(bits)
        #expect(converted.bitPattern == expected.bitPattern || (converted.isNaN && expected.isNaN), "\(bits)")
      }
    }
  #endif

  @Test("a value count that does not fit the shape, a duplicate or reserved name: no file")
  func encodingErrors() {
    func problem(_ tensors: [NamedTensor]) -> SafetensorsError.Problem? {
      do {
        _ = try SafetensorsFile(tensors: tensors).encoded()
        return nil
      } catch { return error.problem }
    }
    #expect(
      problem([NamedTensor(name: "w", shape: [2, 3], values: [1, 2])])
        == .valueCountMismatch(tensor: "w", shape: [2, 3], count: 2))
    #expect(problem([NamedTensor(name: "w", shape: [-1], values: [])]) == .invalidShape(tensor: "w", shape: [-1]))
    #expect(
      problem([NamedTensor(name: "w", shape: [1], values: [1]), NamedTensor(name: "w", shape: [1], values: [2])])
        == .duplicateName("w"))
    #expect(problem([NamedTensor(name: "__metadata__", shape: [], values: [0])]) == .reservedName)
    #expect(
      SafetensorsError(.valueCountMismatch(tensor: "w", shape: [2, 3], count: 2)).description
        == #"tensor "w": shape [2, 3] holds 6 values, but 2 were given"#)
  }

  @Test("a file written by us reads the same in an independent Python reader", .enabled(if: NumPyPython.hasNumPy))
  func pythonReadsOurFile() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("w.safetensors")
    try SafetensorsFile(
      tensors: [
        NamedTensor(name: "conv.weight", shape: [2, 1, 2, 2], values: (0..<8).map { Float($0) / 8 }),
        NamedTensor(name: "conv.bias", shape: [2], values: [-1.5, 2.25]),
      ],
      metadata: ["spec": "tiny", "seed": "1"]
    ).write(to: path)
    let output = try NumPyPython.run([NumPyPython.script("safetensors_read.py"), path])
    #expect(
      output.trimmingCharacters(in: .whitespacesAndNewlines)
        == #"{"metadata": {"seed": "1", "spec": "tiny"}, "tensors": {"conv.bias": {"shape": [2], "#
        + #""values": [-1.5, 2.25]}, "conv.weight": {"shape": [2, 1, 2, 2], "values": [0.0, 0.125, 0.25, 0.375, "#
        + #"0.5, 0.625, 0.75, 0.875]}}}"#)
  }

  @Test("a file written by Python (any key order, F16 and F64) reads here", .enabled(if: NumPyPython.hasNumPy))
  func weReadPythonFile() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("py.safetensors")
    _ = try NumPyPython.run([NumPyPython.script("safetensors_write.py"), path])
    let file = try SafetensorsFile(contentsOf: path)
    #expect(file.metadata == ["format": "np"])
    #expect(file["z"] == NamedTensor(name: "z", shape: [2, 3], values: [0, 0.25, 0.5, 0.75, 1, 1.25]))
    #expect(file["h"] == NamedTensor(name: "h", shape: [2], values: [0.5, -3]))
    #expect(file["d"] == NamedTensor(name: "d", shape: [1, 1], values: [Float(1e-3)]))
  }
}

/// A file of an 8-byte length, `header` (already padded) and float32 data.
func safetensorsBytes(header: String, floats: [Float]) -> [UInt8] {
  var data: [UInt8] = []
  for value in floats { withUnsafeBytes(of: value.bitPattern.littleEndian) { data += $0 } }
  return rawFile(header: header, data: data)
}

/// A file of an 8-byte length, `header` as is, and `data`.
func rawFile(header: String, data: [UInt8]) -> [UInt8] {
  var bytes: [UInt8] = []
  withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes += $0 }
  return bytes + Array(header.utf8) + data
}
