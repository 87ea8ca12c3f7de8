import Foundation
import NetSpecDiagnostics

/// A strict RFC 8259 JSON parser for untrusted input (safetensors headers,
/// metrics logs): UTF-8 bytes in, a ``JSONValue`` out. Integers that fit `Int`
/// become `.int`, other numbers `.double`. Duplicate object keys, trailing
/// commas, comments, non-finite numbers and nesting deeper than `maxDepth` are
/// errors, each naming the byte offset where it was found.
///
/// ```swift
/// try JSONReader.parse(Array(#"{"a": [1, 2.5]}"#.utf8))  // .object(["a": .array([.int(1), .double(2.5)])])
/// ```
enum JSONReader {
  /// A parse failure at a byte offset of the input.
  struct Failure: Error, Equatable, CustomStringConvertible {
    var offset: Int
    var message: String
    var description: String { "at byte \(offset): \(message)" }
  }

  /// The deepest nesting of arrays and objects accepted.
  static let maxDepth = 64

  /// Parses one JSON value; whitespace may surround it, nothing else may
  /// follow. More than `maxValues` values (numbers, strings, arrays, ... all
  /// counted) is an error: each takes tens of bytes in memory, so a bound on
  /// the input's size alone does not bound the tree's (`[1,1,1,...]`).
  static func parse(_ bytes: [UInt8], maxValues: Int = .max) throws(Failure) -> JSONValue {
    var parser = Parser(bytes: bytes, maxValues: maxValues)
    parser.skipWhitespace()
    let value = try parser.value(depth: 0)
    parser.skipWhitespace()
    guard parser.index == bytes.count else { throw parser.failure("unexpected \(parser.found) after the value") }
    return value
  }

  private struct Parser {
    let bytes: [UInt8]
    let maxValues: Int
    var index = 0
    var valueCount = 0

    /// The byte at `index` described for a message, or "end of input".
    var found: String {
      guard index < bytes.count else { return "end of input" }
      let byte = bytes[index]
      return (0x21..<0x7F).contains(byte) ? "`\(Character(Unicode.Scalar(byte)))`" : "byte 0x\(String(byte, radix: 16))"
    }

    func failure(_ message: String) -> Failure { Failure(offset: index, message: message) }

    mutating func skipWhitespace() {
      while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func value(depth: Int) throws(Failure) -> JSONValue {
      guard index < bytes.count else { throw failure("expected a value, found end of input") }
      valueCount += 1
      guard valueCount <= maxValues else { throw failure("more than \(maxValues) values") }
      switch bytes[index] {
      case UInt8(ascii: "{"): return try object(depth: depth + 1)
      case UInt8(ascii: "["): return try array(depth: depth + 1)
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "t"): return try literal("true", .bool(true))
      case UInt8(ascii: "f"): return try literal("false", .bool(false))
      case UInt8(ascii: "n"): return try literal("null", .null)
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
      default: throw failure("expected a value, found \(found)")
      }
    }

    mutating func literal(_ word: String, _ value: JSONValue) throws(Failure) -> JSONValue {
      let utf8 = Array(word.utf8)
      guard bytes.count - index >= utf8.count, Array(bytes[index..<index + utf8.count]) == utf8 else {
        throw failure("expected a value, found \(found)")
      }
      index += utf8.count
      return value
    }

    mutating func object(depth: Int) throws(Failure) -> JSONValue {
      guard depth <= JSONReader.maxDepth else { throw failure("nesting deeper than \(JSONReader.maxDepth) levels") }
      index += 1
      var members: [(key: String, value: JSONValue)] = []
      var keys: Set<String> = []
      skipWhitespace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
        index += 1
        return .object(members)
      }
      while true {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
          throw failure("expected a string key, found \(found)")
        }
        let keyOffset = index
        let key = try string()
        guard keys.insert(key).inserted else {
          throw Failure(offset: keyOffset, message: "duplicate key \"\(key)\"")
        }
        skipWhitespace()
        try expect(":")
        skipWhitespace()
        members.append((key, try value(depth: depth)))
        skipWhitespace()
        if try endOfList("}") { return .object(members) }
      }
    }

    mutating func array(depth: Int) throws(Failure) -> JSONValue {
      guard depth <= JSONReader.maxDepth else { throw failure("nesting deeper than \(JSONReader.maxDepth) levels") }
      index += 1
      var elements: [JSONValue] = []
      skipWhitespace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
        index += 1
        return .array(elements)
      }
      while true {
        skipWhitespace()
        elements.append(try value(depth: depth))
        skipWhitespace()
        if try endOfList("]") { return .array(elements) }
      }
    }

    /// Consumes `,` (false: another element follows) or `close` (true).
    mutating func endOfList(_ close: Unicode.Scalar) throws(Failure) -> Bool {
      guard index < bytes.count else { throw failure("expected `,` or `\(close)`, found end of input") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        return false
      }
      try expect(close, or: ",")
      return true
    }

    mutating func expect(_ scalar: Unicode.Scalar, or alternative: Unicode.Scalar? = nil) throws(Failure) {
      guard index < bytes.count, bytes[index] == UInt8(ascii: scalar) else {
        let wanted = alternative.map { "`\($0)` or `\(scalar)`" } ?? "`\(scalar)`"
        throw failure("expected \(wanted), found \(found)")
      }
      index += 1
    }

    mutating func string() throws(Failure) -> String {
      let start = index
      index += 1
      var utf8: [UInt8] = []
      while true {
        guard index < bytes.count else {
          throw Failure(offset: start, message: "unterminated string")
        }
        let byte = bytes[index]
        switch byte {
        case UInt8(ascii: "\""):
          index += 1
          guard let text = String(bytes: utf8, encoding: .utf8) else {
            throw Failure(offset: start, message: "string is not valid UTF-8")
          }
          return text
        case UInt8(ascii: "\\"):
          index += 1
          utf8 += try escape()
        case ..<0x20:
          throw failure("unescaped control character in a string")
        default:
          utf8.append(byte)
          index += 1
        }
      }
    }

    /// The UTF-8 bytes of the escape sequence after a backslash.
    mutating func escape() throws(Failure) -> [UInt8] {
      guard index < bytes.count else { throw failure("unterminated string") }
      let byte = bytes[index]
      index += 1
      switch byte {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return [byte]
      case UInt8(ascii: "b"): return [0x08]
      case UInt8(ascii: "f"): return [0x0C]
      case UInt8(ascii: "n"): return [0x0A]
      case UInt8(ascii: "r"): return [0x0D]
      case UInt8(ascii: "t"): return [0x09]
      case UInt8(ascii: "u"):
        var code = try hex4()
        if (0xD800..<0xDC00).contains(code) {
          guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
          else { throw failure("unpaired surrogate in a \\u escape") }
          index += 2
          let low = try hex4()
          guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate in a \\u escape") }
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(code) else { throw failure("unpaired surrogate in a \\u escape") }
        return Array(String(Character(scalar)).utf8)
      default:
        throw Failure(offset: index - 2, message: "invalid escape sequence in a string")
      }
    }

    mutating func hex4() throws(Failure) -> UInt32 {
      var code: UInt32 = 0
      for _ in 0..<4 {
        guard index < bytes.count, let digit = Character(Unicode.Scalar(bytes[index])).hexDigitValue else {
          throw failure("expected four hex digits after \\u")
        }
        code = code << 4 | UInt32(digit)
        index += 1
      }
      return code
    }

    mutating func number() throws(Failure) -> JSONValue {
      let start = index
      if bytes[index] == UInt8(ascii: "-") { index += 1 }
      let integerStart = index
      guard digits() > 0 else { throw failure("expected a digit, found \(found)") }
      if bytes[integerStart] == UInt8(ascii: "0"), index - integerStart > 1 {
        throw Failure(offset: integerStart, message: "leading zero in a number")
      }
      var integral = true
      if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
        integral = false
        index += 1
        guard digits() > 0 else { throw failure("expected a digit after `.`, found \(found)") }
      }
      if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
        integral = false
        index += 1
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard digits() > 0 else { throw failure("expected a digit in the exponent, found \(found)") }
      }
      let lexeme = String(decoding: bytes[start..<index], as: UTF8.self)
      if integral, let value = Int(lexeme) { return .int(value) }
      guard let value = Double(lexeme), value.isFinite else {
        throw Failure(offset: start, message: "number \(lexeme) is out of range")
      }
      return .double(value)
    }

    /// Consumes ASCII digits; how many.
    mutating func digits() -> Int {
      let start = index
      while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
      return index - start
    }
  }
}
