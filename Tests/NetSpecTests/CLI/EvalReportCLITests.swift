import Foundation
import Testing

/// `netspec eval`'s report and SVG, and `data.classes` in `eval`, `predict`
/// and `check`, on the shared fixture model (3 classes).
@Suite("eval and predict reports", .serialized)
struct EvalReportCLITests {
  static func named(_ classes: String) -> String {
    CLIFixtures.tiny.replacingOccurrences(
      of: "train: {csv: train.csv, label: last}", with: "train: {csv: train.csv, label: last}\n  classes: \(classes)")
  }

  @Test func evalPrintsTheMatrixAndWritesTheSVGBesideTheWeights() throws {
    let folder = try CLIFixtures.folder.get()
    try folder.write("named.yaml", Self.named("[red, green, blue]"))
    let run = try folder.run("eval", "named.yaml", "--weights", CLIFixtures.weights)
    #expect(run.status == 0, "\(run)")
    #expect(run.stdout.contains("confusion matrix"))
    #expect(run.stdout.contains("  green"))
    #expect(run.stdout.contains("precision"))
    #expect(run.stdout.contains("wrote run/confusion.svg"))
    let svg = try String(contentsOf: folder.url.appendingPathComponent("run/confusion.svg"), encoding: .utf8)
    #expect(svg.contains(">blue</text>"))
  }

  @Test func evalWritesTheSVGWhereOutputSays() throws {
    let folder = try CLIFixtures.folder.get()
    let run = try folder.run("eval", "tiny.yaml", "--weights", CLIFixtures.weights, "-o", "matrix.svg")
    #expect(run.status == 0, "\(run)")
    #expect(FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("matrix.svg").path))
  }

  @Test func predictPrintsClassNames() throws {
    let folder = try CLIFixtures.folder.get()
    try folder.write("named2.yaml", Self.named("[red, green, blue]"))
    let run = try folder.run(
      "predict", "named2.yaml", "--weights", CLIFixtures.weights, "--input", "samples.csv")
    #expect(run.status == 0, "\(run)")
    let classes = run.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[1] }
    #expect(classes.count == 2)
    #expect(classes.allSatisfy { ["red", "green", "blue"].contains($0) }, "\(run.stdout)")
  }

  @Test(arguments: [
    ("[red, green]", "NS0502"), ("[red, green, red]", "NS0211"), ("red", "NS0203"), ("[]", "NS0203"),
  ])
  func badClassesAreLocatedErrors(_ classes: String, _ code: String) throws {
    let folder = try CLIFixtures.folder.get()
    let name = "bad-classes-\(code)-\(classes.count).yaml"
    try folder.write(name, Self.named(classes))
    let run = try folder.run("check", name)
    #expect(run.status == 1, "\(run)")
    #expect(run.stderr.contains("\(name):10:"), "\(run.stderr)")
    #expect(run.stderr.contains("error[\(code)]"), "\(run.stderr)")
  }
}
