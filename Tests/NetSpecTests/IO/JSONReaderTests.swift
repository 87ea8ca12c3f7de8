import NetSpecDiagnostics
import Testing

@testable import NetSpec

@Suite("JSON reader")
struct JSONReaderTests {
  private func parse(_ text: String) throws(JSONReader.Failure) -> JSONValue {
    try JSONReader.parse(Array(text.utf8))
  }

  private func failure(_ text: String) -> String? {
    do {
      _ = try parse(text)
      return nil
    } catch { return error.description }
  }

  @Test("values of every kind")
  func values() throws {
    #expect(
      try parse(#" {"a": [1, -2, 2.5, 1e3, -0.0, true, false, null], "b": {}, "c": [], "d": "x"} "#)
        == .object([
          "a": .array([.int(1), .int(-2), .double(2.5), .double(1000), .double(-0.0), .bool(true), .bool(false), .null]
          ),
          "b": .object([:]), "c": .array([]), "d": .string("x"),
        ]))
    #expect(try parse("99999999999999999999") == .double(1e20))
  }

  @Test("string escapes, surrogate pairs and raw UTF-8")
  func strings() throws {
    #expect(try parse(#""\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00é""#) == .string("\"\\/\u{8}\u{C}\n\r\t\u{E9}😀é"))
  }

  @Test("errors name the byte and the problem")
  func errors() {
    #expect(failure("") == "at byte 0: expected a value, found end of input")
    #expect(failure("[1,]") == "at byte 3: expected a value, found `]`")
    #expect(failure("[1 2]") == "at byte 3: expected `,` or `]`, found `2`")
    #expect(failure(#"{"a" 1}"#) == "at byte 5: expected `:`, found `1`")
    #expect(failure(#"{"a":1,"a":2}"#) == #"at byte 7: duplicate key "a""#)
    #expect(failure("01") == "at byte 0: leading zero in a number")
    #expect(failure("1.") == "at byte 2: expected a digit after `.`, found end of input")
    #expect(failure("1e999") == "at byte 0: number 1e999 is out of range")
    #expect(failure("NaN") == "at byte 0: expected a value, found `N`")
    #expect(failure("tru") == "at byte 0: expected a value, found `t`")
    #expect(failure(#""abc"#) == "at byte 0: unterminated string")
    #expect(failure("\"a\nb\"") == "at byte 2: unescaped control character in a string")
    #expect(failure(#""\x""#) == "at byte 1: invalid escape sequence in a string")
    #expect(failure(#""\u12g4""#) == "at byte 5: expected four hex digits after \\u")
    #expect(failure(#""\ud800x""#) == "at byte 7: unpaired surrogate in a \\u escape")
    #expect(failure("[1] x") == "at byte 4: unexpected `x` after the value")
    #expect(failure("// c\n1") == "at byte 0: expected a value, found `/`")
  }

  @Test("nesting is limited")
  func depth() throws {
    let ok = String(repeating: "[", count: JSONReader.maxDepth) + String(repeating: "]", count: JSONReader.maxDepth)
    _ = try parse(ok)
    let deep = String(repeating: "[", count: 100_000)
    #expect(failure(deep) == "at byte \(JSONReader.maxDepth): nesting deeper than \(JSONReader.maxDepth) levels")
  }
}
