import Foundation
import Testing

@testable import NetSpec

/// `.npy` files as `numpy.save` writes them, read back by NetSpec's own reader.
@Suite struct NPYWritingTests {
  @Test(arguments: [[2, 3], [4], [1, 2, 2], [3, 0]])
  func roundTrips(shape: [Int]) throws {
    let values = (0..<shape.reduce(1, *)).map { Float($0) * 0.5 - 1 }
    let bytes = NPYWriting.bytes(values, shape: shape)
    let header = Int(bytes[8]) | Int(bytes[9]) << 8
    #expect((10 + header) % 64 == 0)
    #expect(bytes[10 + header - 1] == UInt8(ascii: "\n"))
    let array = try NPYReader.read(bytes)
    #expect(array.shape == shape)
    #expect(array.values == values)
  }

  @Test func headerIsNumPys() {
    let bytes = NPYWriting.bytes([1], shape: [1])
    let text = String(decoding: bytes[10..<(bytes.count - 4)], as: UTF8.self)
    #expect(text.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"))
  }
}
