import Testing

@testable import NetSpec

@Suite struct DimTests {
  let n = Dim.symbol("N")
  let t = Dim.symbol("T")

  @Test func staticArithmetic() {
    #expect(Dim(6).multiplied(by: Dim(7))?.staticValue == 42)
    #expect(Dim(6).adding(Dim(-6))?.staticValue == 0)
    #expect(Dim(42).divided(by: Dim(5)) == nil)
  }

  @Test func symbolicProductsAndQuotients() throws {
    let nt = try #require(n.multiplied(by: t))
    let shape = try #require(nt.scaled(64))
    #expect(shape.description == "64*N*T")
    #expect(shape.divided(by: n)?.description == "64*T")
    #expect(shape.divided(by: Dim(16))?.description == "4*N*T")
    #expect(shape.evaluate(["N": 2, "T": 3]) == 384)
    #expect(shape.evaluate(["N": 2]) == nil)
  }

  @Test func polynomialsPrintReadably() throws {
    let sum = try #require(n.scaled(2)?.adding(Dim(3)))
    #expect(sum.description == "2*N + 3")
    #expect(n.subtracting(Dim(1))?.description == "N - 1")
  }

  @Test func overflowIsReportedNotWrapped() {
    let big = Dim(1 << 40)
    #expect(big.multiplied(by: big) == nil)
    #expect(Dim(Dim.limit).adding(Dim(1)) == nil)
  }

  @Test func parsingReadsWhatDescriptionPrints() throws {
    let dims = [
      try #require(n.scaled(2)?.adding(Dim(3))), try #require(n.subtracting(Dim(1))),
      try #require(n.multiplied(by: t)?.multiplied(by: t)?.scaled(4)?.adding(t.scaled(-2)!)), Dim(28), t,
    ]
    for dim in dims { #expect(Dim(parsing: dim.description) == dim, "\(dim)") }
    #expect(Dim(parsing: "2 *T+6") == t.scaled(2)?.adding(Dim(6)))
    #expect(Dim(parsing: "-T + 8") == Dim(8).subtracting(t))
  }

  @Test func parsingRejectsWhatIsNotASum() {
    for text in ["", "T +", "*T", "2**T", "T/2", "T^2", "(T)", "2T", "T + 9007199254740993", "1.5*T"] {
      #expect(Dim(parsing: text) == nil, "\(text)")
    }
  }
}
