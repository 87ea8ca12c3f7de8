import Testing

@testable import NetSpec

@Suite struct ExpressionTests {
  func eval(_ text: String, _ vars: [String: SpecValue.Kind] = [:]) -> SpecValue.Kind? {
    try? Expression.evaluate(text, lookup: { vars[$0] }, names: { Array(vars.keys) })
  }

  @Test(arguments: [
    ("1 + 2 * 3", SpecValue.Kind.int(7)), ("(1 + 2) * 3", .int(9)), ("7 // 2", .int(3)),
    ("-7 // 2", .int(-4)), ("7 % 3", .int(1)), ("8 / 2", .int(4)), ("1/255", .float(1.0 / 255)),
    ("2.5 * 2", .float(5)), ("min(3, 1, 2)", .int(1)), ("max(1, 2.5)", .float(2.5)), ("-(2 + 3)", .int(-5)),
    ("1e-3 * 2", .float(0.002)),
  ])
  func evaluates(text: String, value: SpecValue.Kind) {
    #expect(eval(text) == value)
  }

  /// Integer arithmetic is exact past 2^53 and never traps: floor division and
  /// remainder stay in integers, and the one overflowing quotient is reported.
  @Test(arguments: [
    ("9223372036854775807 // 1", SpecValue.Kind.int(.max)), ("9007199254740993 // 1", .int(9_007_199_254_740_993)),
    ("9223372036854775806 % 9223372036854775807", .int(9_223_372_036_854_775_806)),
    ("(-9223372036854775807 - 1) % -1", .int(0)), ("-9223372036854775807 % 2", .int(1)),
    ("7 % -2", .int(-1)), ("-7 % 2", .int(1)), ("7 // -2", .int(-4)), ("-7 // -2", .int(3)),
    ("(-9223372036854775807 - 1) // 3", .int(-3_074_457_345_618_258_603)),
    ("9007199254740993 / 1", .int(9_007_199_254_740_993)),
    ("7 / 2", .float(3.5)), ("min(9007199254740993, 9007199254740992)", .int(9_007_199_254_740_992)),
    ("max(9007199254740992, 9007199254740993)", .int(9_007_199_254_740_993)),
  ])
  func integerEdgeCases(text: String, value: SpecValue.Kind) {
    #expect(eval(text) == value)
  }

  @Test(arguments: [
    "(-9223372036854775807 - 1) // -1", "(-9223372036854775807 - 1) / -1", "9223372036854775807 + 1",
    "-9223372036854775807 - 2", "4611686018427387904 * 2", "$w + 1", "-$m", "$w * $w", "7 // 0", "7 % 0",
  ])
  func overflowIsAnArithmeticError(text: String) {
    let vars: [String: SpecValue.Kind] = ["w": .int(.max), "m": .int(.min)]
    #expect {
      try Expression.evaluate(text, lookup: { vars[$0] }, names: { Array(vars.keys) })
    } throws: { ($0 as? Expression.Failure)?.code == .arithmeticError }
  }

  /// Every pair of edge values under every integer operator: the result is
  /// the exact one (computed in 128 bits, floor division as Python), or
  /// NS0216 when it does not fit 64 bits; never a trap.
  @Test func integerArithmeticIsExactOrAnError() throws {
    let edges = [
      Int.min, Int.min + 1, -(1 << 53) - 1, -7, -1, 0, 1, 2, 7, (1 << 53) + 1, 1 << 62, Int.max - 1, Int.max,
    ]
    for x in edges {
      for y in edges {
        for op in ["+", "-", "*", "//", "%", "/"] {
          let vars: [String: SpecValue.Kind] = ["x": .int(x), "y": .int(y)]
          let result = Result { () throws(Expression.Failure) in
            try Expression.evaluate("$x \(op) $y", lookup: { vars[$0] }, names: { [] })
          }
          let (a, b) = (Int128(x), Int128(y))
          let exact: Int128?
          switch op {
          case "+": exact = a + b
          case "-": exact = a - b
          case "*": exact = a.multipliedReportingOverflow(by: b).overflow ? nil : a * b
          default:
            guard b != 0 else {
              #expect((try? result.get()) == nil, "\(x) \(op) \(y)")
              continue
            }
            var quotient = a / b
            var remainder = a % b
            if remainder != 0, (remainder < 0) != (b < 0) {
              quotient -= 1
              remainder += b
            }
            exact = op == "%" ? remainder : (op == "/" && remainder != 0 ? nil : quotient)
          }
          if op == "/", b != 0, a % b != 0 {
            #expect(try result.get() == .float(Double(x) / Double(y)), "\(x) / \(y)")
          } else if let exact, let fits = Int(exactly: exact) {
            #expect(try result.get() == .int(fits), "\(x) \(op) \(y)")
          } else {
            #expect(throws: Expression.Failure.self, "\(x) \(op) \(y)") { try result.get() }
          }
        }
      }
    }
  }

  @Test func variablesOfAnyKind() {
    #expect(eval("$d * 4", ["d": .int(512)]) == .int(2048))
    #expect(eval("$act", ["act": .string("relu")]) == .string("relu"))
  }

  @Test(arguments: ["1/255", "$x", "2 * 3", "-1 + 2", "(4)"])
  func recognisesExpressions(text: String) {
    #expect(Expression.looksLikeExpression(text))
  }

  @Test(arguments: ["relu", "same", "-1", "1e-3", "N", "a-b"])
  func leavesPlainScalarsAlone(text: String) {
    #expect(!Expression.looksLikeExpression(text))
  }

  @Test func deepNestingFailsWithoutCrashing() {
    let text = String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000)
    #expect(throws: Expression.Failure.self) {
      try Expression.evaluate(text, lookup: { _ in nil }, names: { [] })
    }
  }
}
