import Foundation
import NetSpecDiagnostics
import Testing

@Suite("JSONRenderer")
struct JSONRendererTests {
  private let unknownOp = Diagnostic(
    .unknownOp, at: span(of: "conv2", in: lenet), "unknown op `conv2`"
  )
  .primaryLabel("not a known op")
  .label(span(of: "dense", in: lenet), "the next layer")
  .help("did you mean `conv2d`?")

  private let unreadable = Diagnostic(.unreadableFile, at: nil, "cannot read file")
    .inFile("specs/missing.yaml")
    .note("paths are relative to the working directory")

  @Test func rendersTheDocumentedSchema() {
    #expect(
      JSONRenderer().render([unknownOp, unreadable]) == """
        {
          "version": 1,
          "diagnostics": [
            {
              "file": "specs/bad.yaml",
              "severity": "error",
              "code": "NS0206",
              "name": "unknown-op",
              "message": "unknown op `conv2`",
              "span": {
                "start": {
                  "line": 3,
                  "column": 5,
                  "offset": 23
                },
                "end": {
                  "line": 3,
                  "column": 10,
                  "offset": 28
                }
              },
              "primary_label": "not a known op",
              "labels": [
                {
                  "file": "specs/bad.yaml",
                  "span": {
                    "start": {
                      "line": 4,
                      "column": 5,
                      "offset": 58
                    },
                    "end": {
                      "line": 4,
                      "column": 10,
                      "offset": 63
                    }
                  },
                  "message": "the next layer"
                }
              ],
              "help": [
                "did you mean `conv2d`?"
              ],
              "notes": []
            },
            {
              "file": "specs/missing.yaml",
              "severity": "error",
              "code": "NS0001",
              "name": "unreadable-file",
              "message": "cannot read file",
              "span": null,
              "primary_label": null,
              "labels": [],
              "help": [],
              "notes": [
                "paths are relative to the working directory"
              ]
            }
          ],
          "summary": {
            "errors": 2,
            "warnings": 0,
            "notes": 0,
            "files": 2
          }
        }

        """)
  }

  @Test func rendersADocumentForNoDiagnostics() {
    #expect(
      JSONRenderer().render([]) == """
        {
          "version": 1,
          "diagnostics": [],
          "summary": {
            "errors": 0,
            "warnings": 0,
            "notes": 0,
            "files": 0
          }
        }

        """)
  }

  @Test func parsesBackWithEveryField() throws {
    let warning = Diagnostic(.unusedValue, at: span(of: "dense", in: lenet), "layer is unused")
    let document = try parse(JSONRenderer().render([unknownOp, unreadable, warning]))
    #expect(document["version"] as? Int == JSONRenderer.schemaVersion)
    let diagnostics = try #require(document["diagnostics"] as? [[String: Any]])
    #expect(diagnostics.count == 3)
    for diagnostic in diagnostics {
      #expect(
        Set(diagnostic.keys) == [
          "file", "severity", "code", "name", "message", "span", "primary_label", "labels", "help",
          "notes",
        ])
    }

    let first = diagnostics[0]
    #expect(first["file"] as? String == "specs/bad.yaml")
    #expect(first["code"] as? String == "NS0206")
    #expect(first["name"] as? String == "unknown-op")
    #expect(first["primary_label"] as? String == "not a known op")
    #expect(first["help"] as? [String] == ["did you mean `conv2d`?"])
    let start = try #require((first["span"] as? [String: Any])?["start"] as? [String: Int])
    #expect(start == ["line": 3, "column": 5, "offset": 23])
    let labels = try #require(first["labels"] as? [[String: Any]])
    #expect(labels.first?["message"] as? String == "the next layer")

    #expect(diagnostics[1]["span"] is NSNull)
    #expect(diagnostics[1]["primary_label"] is NSNull)
    #expect(diagnostics[1]["notes"] as? [String] == ["paths are relative to the working directory"])
    #expect(diagnostics[2]["severity"] as? String == "warning")

    let summary = try #require(document["summary"] as? [String: Int])
    #expect(summary == ["errors": 2, "warnings": 1, "notes": 0, "files": 2])
  }

  @Test func fileIsNullWithoutSpanOrPath() throws {
    let document = try parse(JSONRenderer().render([Diagnostic(.badOverride, at: nil, "bad")]))
    let diagnostics = try #require(document["diagnostics"] as? [[String: Any]])
    #expect(diagnostics[0]["file"] is NSNull)
  }

  @Test func columnsCountScalarsAndOffsetsCountBytes() throws {
    let file = SourceFile(path: "u.yaml", text: "layers:\n  - dense: {name: \"größe\", units: x}\n")
    let diagnostic = Diagnostic(.typeMismatch, at: span(of: "x", in: file), "not an integer")
    let document = try parse(JSONRenderer().render([diagnostic]))
    let diagnostics = try #require(document["diagnostics"] as? [[String: Any]])
    let start = try #require((diagnostics[0]["span"] as? [String: Any])?["start"] as? [String: Int])
    #expect(start == ["line": 2, "column": 35, "offset": 44])
  }

  @Test(arguments: [
    "plain", "quote \" and backslash \\", "line\nbreak\r\ttab", "bell \u{07} nul \u{00} esc \u{1B}",
    "größe 層 e\u{301} 🙂", "slash / and unicode separator \u{2028}",
  ])
  func stringsRoundTrip(_ message: String) throws {
    let diagnostic = Diagnostic(.badOverride, at: nil, message).help(message)
    let document = try parse(JSONRenderer().render([diagnostic]))
    let diagnostics = try #require(document["diagnostics"] as? [[String: Any]])
    #expect(diagnostics[0]["message"] as? String == message)
    #expect(diagnostics[0]["help"] as? [String] == [message])
  }

  private func parse(_ json: String) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
  }
}
