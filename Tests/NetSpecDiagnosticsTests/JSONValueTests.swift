import NetSpecDiagnostics
import Testing

@Suite("JSON value")
struct JSONValueTests {
  /// Every control character class, the characters no style escapes, and non-ASCII.
  private let text = "\"\\/\n\r\t\u{08}\u{0C}\u{1B}\u{00}\u{7F}\u{2028}é😀"

  @Test("the three escaping styles differ only in backspace, form feed and hex case")
  func escaping() {
    #expect(JSONEscaping.standard.quoted(text) == #""\"\\/\n\r\t\b\f\u001B\u0000"# + "\u{7F}\u{2028}é😀\"")
    #expect(
      JSONEscaping.whitespaceByLetter.quoted(text) == #""\"\\/\n\r\t\u0008\u000C\u001B\u0000"# + "\u{7F}\u{2028}é😀\"")
    #expect(JSONEscaping.serdeJSON.quoted(text) == #""\"\\/\n\r\t\b\f\u001b\u0000"# + "\u{7F}\u{2028}é😀\"")
  }

  @Test("the three layouts")
  func layouts() {
    let value: JSONValue = .object([
      ("b", .array([.int(1), .double(2), .null])), ("a", .object([])), ("c", .array([.array([])])),
    ])
    #expect(
      value.serialized(.prettyOrdered) == """
        {
          "b": [
            1,
            2,
            null
          ],
          "a": {},
          "c": [
            []
          ]
        }

        """)
    #expect(
      value.serialized(.prettySorted) == """
        {
          "a": {},
          "b": [1, 2, null],
          "c": [
            []
          ]
        }

        """)
    #expect(value.serialized(.compact) == #"{"b":[1,2.0,null],"a":{},"c":[[]]}"#)
  }

  @Test("doubles: integral ones as integers or not, non-finite ones as null")
  func doubles() {
    let value: JSONValue = .array([.double(3), .double(1e16), .double(0.001), .double(.nan), .double(-.infinity)])
    #expect(value.serialized(.prettySorted) == "[3, 1e+16, 0.001, null, null]\n")
    #expect(value.serialized(.compact) == "[3.0,1e+16,0.001,null,null]")
  }

  @Test("objects are equal whatever their members' order; the subscript finds a member")
  func equalityAndLookup() {
    let ordered: JSONValue = .object([("b", .int(2)), ("a", .int(1))])
    #expect(ordered == .object(["a": .int(1), "b": .int(2)]))
    #expect(ordered != .object(["a": .int(1), "b": .double(2)]))
    #expect(ordered["b"] == .int(2))
    #expect(ordered["c"] == nil)
    #expect(JSONValue.int(1)["a"] == nil)
  }
}
