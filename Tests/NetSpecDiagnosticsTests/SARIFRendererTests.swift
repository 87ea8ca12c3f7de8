import Foundation
import NetSpecDiagnostics
import Testing

@Suite("SARIFRenderer")
struct SARIFRendererTests {
  private let other = SourceFile(path: "blocks/my blocks.yaml", text: "basic:\n  args: {}\n")

  private var diagnostics: [Diagnostic] {
    [
      Diagnostic(.unknownOp, at: span(of: "conv2", in: lenet), "unknown op `conv2`")
        .primaryLabel("not a known op")
        .label(span(of: "dense", in: lenet), "the next layer")
        .label(span(of: "args", in: other), "declared here")
        .help("did you mean `conv2d`?")
        .note("see `netspec ops`"),
      Diagnostic(.unreadableFile, at: nil, "cannot read").inFile("/data/specs/x.yaml"),
      Diagnostic(DiagnosticCode("NS9001", "experimental-check", .warning), at: nil, "custom"),
    ]
  }

  @Test func hasTheSARIFEnvelope() throws {
    let log = try parse(SARIFRenderer(toolVersion: "1.2.3").render(diagnostics))
    #expect(log["version"] as? String == "2.1.0")
    #expect(log["$schema"] as? String == "https://json.schemastore.org/sarif-2.1.0.json")
    let runs = try #require(log["runs"] as? [[String: Any]])
    #expect(runs.count == 1)
    #expect(runs[0]["columnKind"] as? String == "unicodeCodePoints")
    let driver = try #require((runs[0]["tool"] as? [String: Any])?["driver"] as? [String: Any])
    #expect(driver["name"] as? String == "netspec")
    #expect(driver["version"] as? String == "1.2.3")
  }

  @Test func listsEveryCodeAsARule() throws {
    let rules = try rules(in: SARIFRenderer().render(diagnostics))
    #expect(rules.map { $0["id"] as? String } == DiagnosticCode.all.map(\.id) + ["NS9001"])
    let unknownOp = try #require(rules.first { $0["id"] as? String == "NS0206" })
    #expect(unknownOp["name"] as? String == "unknown-op")
    #expect((unknownOp["shortDescription"] as? [String: String])?["text"] == "unknown op")
    #expect((unknownOp["defaultConfiguration"] as? [String: String])?["level"] == "error")
    let unused = try #require(rules.first { $0["id"] as? String == "NS0503" })
    #expect((unused["defaultConfiguration"] as? [String: String])?["level"] == "warning")
  }

  @Test func resultsPointAtTheirRules() throws {
    let output = SARIFRenderer().render(diagnostics)
    let rules = try rules(in: output)
    let results = try results(in: output)
    #expect(results.count == 3)
    for result in results {
      let index = try #require(result["ruleIndex"] as? Int)
      #expect(rules[index]["id"] as? String == result["ruleId"] as? String)
    }
    #expect(results.map { $0["level"] as? String } == ["error", "error", "warning"])
  }

  @Test func resultCarriesMessageLocationAndRelatedLocations() throws {
    let result = try results(in: SARIFRenderer().render(diagnostics))[0]
    #expect(
      (result["message"] as? [String: String])?["text"]
        == "unknown op `conv2`\nhelp: did you mean `conv2d`?\nnote: see `netspec ops`")

    let location = try #require((result["locations"] as? [[String: Any]])?.first)
    #expect((location["message"] as? [String: String])?["text"] == "not a known op")
    let physical = try #require(location["physicalLocation"] as? [String: Any])
    #expect((physical["artifactLocation"] as? [String: String])?["uri"] == "specs/bad.yaml")
    #expect(
      physical["region"] as? [String: Int] == [
        "startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 10, "byteOffset": 23,
        "byteLength": 5,
      ])

    let related = try #require(result["relatedLocations"] as? [[String: Any]])
    #expect(related.map { $0["id"] as? Int } == [1, 2])
    #expect(
      related.map { ($0["message"] as? [String: String])?["text"] } == [
        "the next layer", "declared here",
      ])
    let uris = related.map {
      (($0["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: String])?["uri"]
    }
    #expect(uris == ["specs/bad.yaml", "blocks/my%20blocks.yaml"])
  }

  @Test func spanlessResultsNameTheirFileOnly() throws {
    let results = try results(in: SARIFRenderer().render(diagnostics))
    let location = try #require((results[1]["locations"] as? [[String: Any]])?.first)
    let physical = try #require(location["physicalLocation"] as? [String: Any])
    #expect(
      (physical["artifactLocation"] as? [String: String])?["uri"] == "file:///data/specs/x.yaml")
    #expect(physical["region"] == nil)
    #expect(results[2]["locations"] == nil)
    #expect(results[2]["relatedLocations"] == nil)
  }

  @Test func rendersALogForNoDiagnostics() throws {
    #expect(try results(in: SARIFRenderer().render([])).isEmpty)
  }

  private func parse(_ json: String) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
  }

  private func run(in json: String) throws -> [String: Any] {
    try #require((parse(json)["runs"] as? [[String: Any]])?.first)
  }

  private func rules(in json: String) throws -> [[String: Any]] {
    let tool = try #require(run(in: json)["tool"] as? [String: Any])
    return try #require((tool["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
  }

  private func results(in json: String) throws -> [[String: Any]] {
    try #require(run(in: json)["results"] as? [[String: Any]])
  }
}

@Suite("SARIFRenderer help links")
struct SARIFHelpLinkTests {
  private func rules(_ renderer: SARIFRenderer) throws -> [[String: Any]] {
    let data = Data(renderer.render([]).utf8)
    let log = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let run = try #require((log["runs"] as? [[String: Any]])?.first)
    let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
    return try #require(driver["rules"] as? [[String: Any]])
  }

  @Test func everyRuleLinksToItsSectionUnderTheBase() throws {
    let rules = try rules(SARIFRenderer(helpBase: "https://example.org/DIAGNOSTICS.md"))
    #expect(rules.count == DiagnosticCode.all.count)
    for (rule, code) in zip(rules, DiagnosticCode.all) {
      #expect(rule["helpUri"] as? String == "https://example.org/DIAGNOSTICS.md#" + code.documentationAnchor)
    }
    #expect(DiagnosticCode.unknownOp.documentationAnchor == "ns0206-unknown-op")
  }

  @Test func noBaseNoLink() throws {
    #expect(try rules(SARIFRenderer()).allSatisfy { $0["helpUri"] == nil })
  }
}
