import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// `netspec plan` output for a few specs, pinned by `Plan/Golden/<name>.plan.txt`
/// (and the IR view by `<name>.ir.txt`): any change to the IR, the fusions, the
/// steps or the arena shows in review as a diff. Regenerate with
/// `NETSPEC_UPDATE_GOLDEN=1 swift test --filter PlanGoldenTests`.
@Suite struct PlanGoldenTests {
  /// A spec whose plan is pinned: its path from the repository root, and the
  /// golden files' base name.
  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var path: String
    var testDescription: String { name }
  }

  static let golden = "Tests/NetSpecTests/Plan/Golden"

  static let cases = [
    Case(name: "mlp_digits", path: "specs/mlp_digits.yaml"),
    Case(name: "lenet5", path: "specs/lenet5.yaml"),
    Case(name: "resnet_block", path: "\(golden)/resnet_block.yaml"),
    Case(name: "cnn_digits", path: "Examples/cnn_digits.yaml"),
    Case(name: "relu_chain", path: "\(golden)/relu_chain.yaml"),
  ]

  /// The checked spec at `path` (from the repository root), with `--set`
  /// overrides and then without its `expect:` checks.
  static func load(_ path: String, overrides: [String] = []) throws -> CheckedSpec {
    let url = Golden.repositoryRoot.appendingPathComponent(path)
    var options = FrontendOptions()
    for text in overrides {
      let (name, value) = try #require(Frontend.parseOverride(text))
      options.overrides[name] = value
      options.checksExpectations = false
    }
    var diagnostics = DiagnosticBag()
    let source = SourceFile(path: path, text: try String(contentsOf: url, encoding: .utf8))
    return try #require(Frontend.check(source, options: options, &diagnostics), "\(diagnostics.sorted)")
  }

  /// The training plan at the spec's batch size, as `netspec plan` makes it.
  static func plan(_ spec: CheckedSpec) throws -> ExecutionPlan {
    guard case .size(let batch) = spec.document.train?.batchSize else {
      Issue.record("the case's spec has no batch size")
      throw GoldenError("no batch size")
    }
    return try Planner.plan(spec.graph, capacity: batch, training: true)
  }

  static func url(_ file: String) -> URL {
    Golden.repositoryRoot.appendingPathComponent("\(golden)/\(file)")
  }

  @Test(arguments: cases) func planMatchesTheGoldenFile(_ c: Case) throws {
    let text = PlanText.plan(try Self.plan(try Self.load(c.path)))
    Golden.compare(text, with: Self.url("\(c.name).plan.txt"))
  }

  @Test func irMatchesTheGoldenFile() throws {
    let spec = try Self.load("specs/lenet5.yaml")
    Golden.compare(PlanText.graph(spec.graph), with: Self.url("lenet5.ir.txt"))
  }

  /// The text does not depend on the run: planning twice, with several
  /// bindings given in different orders, prints the same bytes.
  @Test func textIsStable() throws {
    let spec = try Self.load(
      "specs/transformer.yaml", overrides: ["vocab=20", "d_model=8", "heads=2", "d_ff=16", "layers=1"])
    let first = try Planner.plan(spec.graph, capacity: 2, bindings: ["S": 3, "T": 4], training: true)
    let second = try Planner.plan(spec.graph, capacity: 2, bindings: ["T": 4, "S": 3], training: true)
    #expect(PlanText.plan(first) == PlanText.plan(second))
    #expect(PlanText.plan(first).contains("bindings: S=3, T=4\n"))
  }
}
