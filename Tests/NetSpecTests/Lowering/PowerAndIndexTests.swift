import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// `**` with Python's precedence and associativity, and `$list[i]`.
@Suite struct PowerAndIndexTests {
  let vars: [String: SpecValue.Kind] = [
    "i": .int(1),
    "d": .list([1, 2, 4].map { SpecValue(.int($0), span: .init(file: .init(path: "", text: ""), from: 0, to: 0)) }),
    "big": .int(1 << 62), "w": .float(2.5),
  ]

  func eval(_ text: String) throws(Expression.Failure) -> SpecValue.Kind {
    let vars = self.vars
    return try Expression.evaluate(text, lookup: { vars[$0] }, names: { Array(vars.keys) })
  }

  @Test(arguments: [
    ("2 ** 10", SpecValue.Kind.int(1024)), ("2 ** 3 ** 2", .int(512)), ("-2 ** 2", .int(-4)), ("(-2) ** 3", .int(-8)),
    ("2 ** -1", .float(0.5)), ("2 * 3 ** 2", .int(18)), ("2 ** 2 * 3", .int(12)), ("0 ** 0", .int(1)),
    ("(-1) ** 9223372036854775807", .int(-1)), ("2 ** 62", .int(1 << 62)), ("$w ** 2", .float(6.25)),
    ("4 ** 0.5", .float(2)), ("2 ** ($i % 10)", .int(2)), ("$d[$i]", .int(2)), ("$d[-1]", .int(4)),
    ("$d[$i + 1] * 2 ** 2", .int(16)), ("$d[0] ** 3", .int(1)), ("-$d[2]", .int(-4)), ("$d[ $i ] + 1", .int(3)),
  ])
  func evaluates(text: String, value: SpecValue.Kind) throws {
    #expect(try eval(text) == value)
  }

  /// The WaveNet dilation schedule: 1, 2, ..., 512, then again from 1.
  @Test func waveNetDilations() throws {
    let dilations = try (0..<20).map { index in
      try Expression.evaluate("2 ** ($index % 10)", lookup: { $0 == "index" ? .int(index) : nil }, names: { [] })
    }
    #expect(dilations == (0..<20).map { .int(1 << ($0 % 10)) })
  }

  @Test(arguments: [
    ("2 ** 63", 0..<7), ("$big ** 2", 0..<9), ("(-3) ** 41", 0..<10), ("0 ** -1", 0..<7), ("10.0 ** 400", 0..<11),
    ("(-8) ** 0.5", 0..<11),
  ])
  func overflowIsAnArithmeticError(text: String, range: Range<Int>) {
    #expect {
      try eval(text)
    } throws: { ($0 as? Expression.Failure).map { $0.code == .arithmeticError && $0.range == range } ?? false }
  }

  @Test(arguments: [
    ("$d[3]", DiagnosticCodeName.valueOutOfRange, 3..<4), ("$d[-4]", .valueOutOfRange, 3..<5),
    ("$d[0.5]", .typeMismatch, 3..<6), ("$i[0]", .typeMismatch, 0..<2), ("$d[1", .badExpression, 2..<4),
    ("2 ** $d", .typeMismatch, 0..<7),
  ])
  func badIndexIsLocated(text: String, code: DiagnosticCodeName, range: Range<Int>) {
    #expect {
      try eval(text)
    } throws: { ($0 as? Expression.Failure).map { $0.code == code.code && $0.range == range } ?? false }
  }
}

/// Diagnostic codes by name, so test arguments stay readable.
enum DiagnosticCodeName: Sendable {
  case valueOutOfRange, typeMismatch, badExpression

  var code: NetSpecDiagnostics.DiagnosticCode {
    switch self {
    case .valueOutOfRange: .valueOutOfRange
    case .typeMismatch: .typeMismatch
    case .badExpression: .badExpression
    }
  }
}
