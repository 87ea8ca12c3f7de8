import NetSpecDiagnostics
import Testing

@testable import NetSpec

private let n = Dim.symbol("N")
private let t = Dim.symbol("T")

/// The `rotary` op's schema and shape rule: both layouts keep their shape,
/// `heads` is needed for `[N, T, heads*d]` and must match axis 1 of
/// `[N, heads, T, d]`, and every head needs an even width.
@Suite struct RotaryOpTests {
  private static func rotary(_ given: [String: SpecValue.Kind] = [:]) -> Rotary {
    Rotary(Attributes(Rotary.schema, given))
  }

  @Test func defaultsAndSchema() {
    let op = Self.rotary()
    #expect(op.heads == nil && op.base == 10000)
    #expect(Rotary.schema.primary == "heads" && OpRegistry.op(named: "rotary") == Rotary.self)
  }

  @Test func bothLayoutsKeepTheirShape() throws {
    let sideBySide = TensorType([n, t, Dim(64)])
    #expect(try Self.rotary(["heads": .int(4)]).infer([sideBySide]).outputs == [sideBySide])
    let split = TensorType([n, Dim(4), t, Dim(16)])
    #expect(try Self.rotary().infer([split]).outputs == [split])
    #expect(try Self.rotary(["heads": .int(4)]).infer([split]).outputs == [split])
  }

  @Test func badShapesAreLocatedErrors() {
    func failure(_ op: Rotary, _ shape: [Dim]) -> ShapeError? {
      do {
        _ = try op.infer([TensorType(shape)])
        return nil
      } catch { return error }
    }
    #expect(failure(Self.rotary(), [n, t, Dim(64)])?.code == .missingAttribute)
    #expect(failure(Self.rotary(["heads": .int(3)]), [n, t, Dim(64)])?.attribute == "heads")
    #expect(failure(Self.rotary(["heads": .int(4)]), [n, t, Dim(36)])?.message.contains("9 columns") == true)
    #expect(failure(Self.rotary(["heads": .int(2)]), [n, Dim(4), t, Dim(16)])?.attribute == "heads")
    #expect(failure(Self.rotary(), [n, Dim(4), t, Dim(15)])?.code == .shapeMismatch)
    #expect(failure(Self.rotary(), [n, Dim(64)])?.code == .rankMismatch)
  }
}
