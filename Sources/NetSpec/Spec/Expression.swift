import Foundation
import NetSpecDiagnostics

/// Arithmetic in spec values: `$d_model * 4`, `($width + 1) // 2`, `1/255`.
///
/// Grammar (Python's precedence: binary operators left-associative, `**`
/// right-associative and binding tighter than a unary minus on its left, so
/// `-2 ** 2` is -4 and `2 ** 3 ** 2` is 512):
/// ```
/// expr    := term (("+" | "-") term)*
/// term    := unary (("*" | "/" | "//" | "%") unary)*
/// unary   := "-" unary | power
/// power   := postfix ("**" unary)?
/// postfix := atom ("[" expr "]")*
/// atom    := number | "$" name | "(" expr ")" | name "(" expr ("," expr)* ")"
/// ```
/// Functions: `min`, `max`. Integer operands stay integers for `+ - * // %`,
/// for `**` with an exponent >= 0 and for `/` when the division is exact;
/// otherwise the result is a float. `$list[i]` is the list's item `i` (0-based;
/// a negative `i` counts from the end, as in Python). A lone `$name` may stand
/// for a value of any kind (a string, a list).
struct Expression {
  /// Why an expression failed, with the byte range within the text.
  struct Failure: Error {
    var code: DiagnosticCode
    var message: String
    var range: Range<Int>
    var help: String?
  }

  private let text: [UInt8]
  private var position = 0
  /// Current nesting of parentheses and unary minus; bounded so a hostile
  /// expression cannot exhaust the stack.
  private var depth = 0
  private static let maxDepth = 64
  private let lookup: (String) -> SpecValue.Kind?
  private let names: () -> [String]

  /// True when a plain scalar should be evaluated as an expression rather than
  /// read as a string: it mentions `$`, calls a function (`max(1, 2)`), or is
  /// arithmetic on numbers (`1/255`).
  /// Works on UTF-8 bytes: it runs for every plain scalar of every layer.
  static func looksLikeExpression(_ text: String) -> Bool {
    let bytes = text.utf8
    if bytes.contains(UInt8(ascii: "$")) { return true }
    if text.hasPrefix("min(") || text.hasPrefix("max(") { return true }
    guard bytes.allSatisfy(isArithmetic), bytes.contains(where: isDigit),
      bytes.contains(UInt8(ascii: "(")) || bytes.dropFirst().contains(where: isOperator)
    else { return false }
    return ScalarReader.number(text) == nil
  }

  /// A byte of arithmetic on numbers: digits, `.`, operators, parentheses,
  /// spaces, `e`/`E` exponents and `_` separators.
  private static func isArithmetic(_ byte: UInt8) -> Bool {
    isDigit(byte) || isOperator(byte) || ".() eE_".utf8.contains(byte)
  }

  private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

  private static func isOperator(_ byte: UInt8) -> Bool { "+-*/%".utf8.contains(byte) }

  /// Evaluates `text`, resolving `$name` with `lookup`; `names` lists what is
  /// defined, for suggestions.
  static func evaluate(
    _ text: String, lookup: @escaping (String) -> SpecValue.Kind?,
    names: @escaping () -> [String]
  ) throws(Failure) -> SpecValue.Kind {
    var parser = Expression(text: Array(text.utf8), lookup: lookup, names: names)
    parser.skipSpaces()
    let value = try parser.parseExpression()
    parser.skipSpaces()
    guard parser.position == parser.text.count else {
      throw Failure(
        code: .badExpression, message: "unexpected `\(parser.rest)` in expression",
        range: parser.position..<parser.text.count,
        help: "expressions use numbers, `$variables`, + - * / // % **, `[index]` and parentheses")
    }
    return value
  }

  private init(
    text: [UInt8], lookup: @escaping (String) -> SpecValue.Kind?,
    names: @escaping () -> [String]
  ) {
    self.text = text
    self.lookup = lookup
    self.names = names
  }

  private var rest: String { String(decoding: text[position...], as: UTF8.self) }

  private mutating func skipSpaces() {
    while position < text.count, text[position] == UInt8(ascii: " ") { position += 1 }
  }

  private mutating func consume(_ token: String) -> Bool {
    let bytes = Array(token.utf8)
    guard position + bytes.count <= text.count,
      Array(text[position..<position + bytes.count]) == bytes
    else { return false }
    position += bytes.count
    skipSpaces()
    return true
  }

  private mutating func parseExpression() throws(Failure) -> SpecValue.Kind {
    let start = position
    var value = try parseTerm()
    while true {
      if consume("+") {
        value = try apply("+", value, try parseTerm(), start..<position)
      } else if consume("-") {
        value = try apply("-", value, try parseTerm(), start..<position)
      } else {
        return value
      }
    }
  }

  private mutating func parseTerm() throws(Failure) -> SpecValue.Kind {
    let start = position
    var value = try parseUnary()
    while true {
      if consume("//") {
        value = try apply("//", value, try parseUnary(), start..<position)
      } else if consume("*") {
        value = try apply("*", value, try parseUnary(), start..<position)
      } else if consume("/") {
        value = try apply("/", value, try parseUnary(), start..<position)
      } else if consume("%") {
        value = try apply("%", value, try parseUnary(), start..<position)
      } else {
        return value
      }
    }
  }

  private mutating func parseUnary() throws(Failure) -> SpecValue.Kind {
    let start = position
    depth += 1
    defer { depth -= 1 }
    guard depth <= Self.maxDepth else {
      throw Failure(
        code: .badExpression, message: "the expression is nested more than \(Self.maxDepth) levels deep",
        range: start..<min(start + 1, text.count), help: "simplify the expression")
    }
    if consume("-") {
      let operand = try parseUnary()
      return try apply("-", .int(0), operand, start..<position)
    }
    return try parsePower()
  }

  private mutating func parsePower() throws(Failure) -> SpecValue.Kind {
    let start = position
    let base = try parsePostfix()
    guard consume("**") else { return base }
    let exponent = try parseUnary()
    return try Self.power(base, exponent, start..<position)
  }

  /// An atom followed by any number of `[index]`s.
  private mutating func parsePostfix() throws(Failure) -> SpecValue.Kind {
    let start = position
    var value = try parseAtom()
    while position < text.count, text[position] == UInt8(ascii: "[") {
      let open = position
      _ = consume("[")
      let indexStart = position
      let index = try parseExpression()
      let indexRange = indexStart..<max(indexStart + 1, trimmedEnd)
      guard consume("]") else {
        throw Failure(
          code: .badExpression, message: "missing `]`", range: open..<position,
          help: "close the index opened here")
      }
      value = try Self.item(of: value, at: index, listRange: start..<open, indexRange: indexRange)
    }
    return value
  }

  /// The position after the last non-space byte before `position`.
  private var trimmedEnd: Int {
    var end = position
    while end > 0, text[end - 1] == UInt8(ascii: " ") { end -= 1 }
    return end
  }

  /// `list[index]`, bounds checked; a negative index counts from the end.
  private static func item(
    of list: SpecValue.Kind, at index: SpecValue.Kind, listRange: Range<Int>, indexRange: Range<Int>
  ) throws(Failure) -> SpecValue.Kind {
    guard case .list(let items) = list else {
      throw Failure(
        code: .typeMismatch, message: "only a list can be indexed, found \(list.kindDescription) `\(list)`",
        range: listRange, help: "index a list variable, e.g. `$dilations[$index]`")
    }
    guard case .int(let i) = index else {
      throw Failure(
        code: .typeMismatch, message: "a list index must be an integer, found `\(index)`", range: indexRange)
    }
    guard i < items.count, i >= -items.count else {
      throw Failure(
        code: .valueOutOfRange,
        message: "index \(i) is out of range for a list of \(items.count) item\(items.count == 1 ? "" : "s")",
        range: indexRange,
        help: items.isEmpty ? "the list is empty" : "use an index in 0...\(items.count - 1) (or -\(items.count)...-1)")
    }
    return items[i < 0 ? i + items.count : i].kind
  }

  private mutating func parseAtom() throws(Failure) -> SpecValue.Kind {
    let start = position
    guard position < text.count else {
      throw Failure(
        code: .badExpression, message: "expression ends where a value was expected",
        range: max(0, text.count - 1)..<text.count)
    }
    let c = text[position]
    if consume("(") {
      let value = try parseExpression()
      guard consume(")") else {
        throw Failure(
          code: .badExpression, message: "missing `)`", range: start..<position,
          help: "close the parenthesis opened here")
      }
      return value
    }
    if c == UInt8(ascii: "$") {
      position += 1
      let name = readName()
      guard !name.isEmpty else {
        throw Failure(
          code: .badExpression, message: "`$` must be followed by a variable name",
          range: start..<position + 1)
      }
      let range = start..<position
      skipSpaces()
      guard let value = lookup(name) else {
        throw Failure(
          code: .undefinedVariable, message: "undefined variable `$\(name)`", range: range,
          help: Suggestions.closest(to: name, in: names()).map { "did you mean `$\($0)`?" }
            ?? "define it under `vars:` (or as a block argument)")
      }
      return value
    }
    if isDigit(c) || c == UInt8(ascii: ".") {
      return try readNumber()
    }
    let name = readName()
    if !name.isEmpty, consume("(") {
      var args = [try parseExpression()]
      while consume(",") { args.append(try parseExpression()) }
      guard consume(")") else {
        throw Failure(code: .badExpression, message: "missing `)`", range: start..<position)
      }
      return try call(name, args, start..<position)
    }
    throw Failure(
      code: .badExpression,
      message: name.isEmpty ? "unexpected `\(rest)` in expression" : "unknown name `\(name)`",
      range: start..<max(position, start + 1),
      help: name.isEmpty ? nil : "variables are written `$\(name)`")
  }

  private func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

  private mutating func readName() -> String {
    let start = position
    while position < text.count {
      let c = text[position]
      let isLetter = (c | 0x20) >= 97 && (c | 0x20) <= 122
      guard isLetter || c == UInt8(ascii: "_") || (position > start && isDigit(c)) else { break }
      position += 1
    }
    return String(decoding: text[start..<position], as: UTF8.self)
  }

  private mutating func readNumber() throws(Failure) -> SpecValue.Kind {
    let start = position
    while position < text.count {
      let c = text[position]
      let exponentSign =
        (c == UInt8(ascii: "+") || c == UInt8(ascii: "-"))
        && (text[position - 1] | 0x20) == UInt8(ascii: "e")
      guard
        isDigit(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "_")
          || (c | 0x20) == UInt8(ascii: "e") || exponentSign
      else { break }
      position += 1
    }
    let token = String(decoding: text[start..<position], as: UTF8.self)
    skipSpaces()
    if let kind = ScalarReader.number(token) { return kind }
    throw Failure(code: .badExpression, message: "`\(token)` is not a number", range: start..<start + token.utf8.count)
  }

  private func call(_ name: String, _ args: [SpecValue.Kind], _ range: Range<Int>)
    throws(Failure) -> SpecValue.Kind
  {
    guard name == "min" || name == "max" else {
      throw Failure(
        code: .badExpression, message: "unknown function `\(name)`", range: range,
        help: "the functions are `min` and `max`")
    }
    var best = args[0]
    for arg in args.dropFirst() {
      if case .int(let a) = best, case .int(let b) = arg {
        if name == "min" ? b < a : b > a { best = arg }
        continue
      }
      guard let a = Self.number(best), let b = Self.number(arg) else {
        throw Failure(code: .badExpression, message: "`\(name)` takes numbers", range: range)
      }
      if name == "min" ? b < a : b > a { best = arg }
    }
    return best
  }

  /// `base ** exponent`: exact in integers for an integer exponent >= 0 (every
  /// overflow reported), else a float; `0 ** -1` is a division by zero.
  private static func power(_ base: SpecValue.Kind, _ exponent: SpecValue.Kind, _ range: Range<Int>)
    throws(Failure) -> SpecValue.Kind
  {
    if case .int(let x) = base, case .int(let e) = exponent, e >= 0 {
      var result = 1
      var factor = x
      var remaining = e
      var overflow = false
      while remaining > 0, !overflow {
        if remaining & 1 == 1 { (result, overflow) = result.multipliedReportingOverflow(by: factor) }
        remaining >>= 1
        if remaining > 0, !overflow { (factor, overflow) = factor.multipliedReportingOverflow(by: factor) }
      }
      guard !overflow else {
        throw Failure(
          code: .arithmeticError,
          message: "integer overflow in `**`: the result is outside -2^63...2^63-1", range: range,
          help: "use smaller numbers")
      }
      return .int(result)
    }
    guard let x = number(base), let e = number(exponent) else {
      throw Failure(code: .typeMismatch, message: "`**` needs numbers on both sides", range: range)
    }
    guard x != 0 || e >= 0 else {
      throw Failure(code: .arithmeticError, message: "division by zero: 0 to a negative power", range: range)
    }
    let value = Foundation.pow(x, e)
    guard value.isFinite else {
      throw Failure(
        code: .arithmeticError,
        message: x < 0 && e.rounded() != e
          ? "a negative number to a fractional power is not a real number" : "the result is not finite",
        range: range)
    }
    return .float(value)
  }

  private static func number(_ kind: SpecValue.Kind) -> Double? {
    switch kind {
    case .int(let v): Double(v)
    case .float(let v): v
    default: nil
    }
  }

  /// Integer `+ - * // %` and exact `/`, done in integers (never through
  /// `Double`, which rounds past 2^53) with every overflow reported. `//` and
  /// `%` round toward negative infinity, like Python; `x % -1` is 0 for every x.
  private static func integer(_ op: String, _ x: Int, _ y: Int, _ range: Range<Int>)
    throws(Failure) -> SpecValue.Kind
  {
    let result: (partialValue: Int, overflow: Bool)
    switch op {
    case "+": result = x.addingReportingOverflow(y)
    case "-": result = x.subtractingReportingOverflow(y)
    case "*": result = x.multipliedReportingOverflow(by: y)
    default:
      guard y != 0 else {
        throw Failure(code: .arithmeticError, message: "division by zero", range: range)
      }
      // Only Int.min / -1 overflows; its remainder is 0.
      let quotient = x.dividedReportingOverflow(by: y)
      let remainder = y == -1 ? 0 : x % y
      let crossesZero = remainder != 0 && (remainder < 0) != (y < 0)
      switch op {
      case "%": return .int(crossesZero ? remainder + y : remainder)
      case "//": result = crossesZero ? (quotient.partialValue - 1, quotient.overflow) : quotient
      default:
        guard remainder == 0 else { return .float(Double(x) / Double(y)) }
        result = quotient
      }
    }
    guard !result.overflow else {
      throw Failure(
        code: .arithmeticError,
        message: "integer overflow in `\(op)`: the result is outside -2^63...2^63-1", range: range,
        help: "use smaller numbers")
    }
    return .int(result.partialValue)
  }

  private func apply(
    _ op: String, _ a: SpecValue.Kind, _ b: SpecValue.Kind, _ range: Range<Int>
  ) throws(Failure) -> SpecValue.Kind {
    if case .int(let x) = a, case .int(let y) = b {
      return try Self.integer(op, x, y, range)
    }
    guard let x = Self.number(a), let y = Self.number(b) else {
      throw Failure(
        code: .typeMismatch, message: "`\(op)` needs numbers on both sides", range: range)
    }
    let value: Double
    switch op {
    case "+": value = x + y
    case "-": value = x - y
    case "*": value = x * y
    default:
      guard y != 0 else {
        throw Failure(code: .arithmeticError, message: "division by zero", range: range)
      }
      switch op {
      case "//": value = (x / y).rounded(.down)
      case "%": value = x - y * (x / y).rounded(.down)
      default: value = x / y
      }
    }
    guard value.isFinite else {
      throw Failure(code: .arithmeticError, message: "the result is not finite", range: range)
    }
    return .float(value)
  }
}
