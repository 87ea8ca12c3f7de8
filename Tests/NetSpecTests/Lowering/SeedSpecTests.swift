import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// Every spec in `specs/` checks cleanly, and its parameter count (computed by
/// shape inference) equals the count its `expect:` pins.
@Suite struct SeedSpecTests {
  static var specPaths: [String] { SeedSpecs.files.map(SeedSpecs.path) }

  @Test func thereAreSeedSpecs() {
    #expect(Self.specPaths.count >= 8)
  }

  @Test(arguments: specPaths)
  func specChecksAndMatchesItsExpectations(path: String) throws {
    var diagnostics = DiagnosticBag()
    let spec = Frontend.load(path: path, &diagnostics)
    #expect(diagnostics.diagnostics.isEmpty, "\(HumanRenderer().render(diagnostics.sorted))")
    let checked = try #require(spec)
    let expected = try #require(checked.document.expect?.params?.value)
    #expect(checked.graph.parameterCount == expected)
  }

  /// The counts the issue names, from the published models.
  @Test(arguments: [
    ("lenet5.yaml", 61_706), ("alexnet.yaml", 61_100_840), ("vgg16.yaml", 138_357_544),
    ("resnet18.yaml", 11_689_512), ("resnet50.yaml", 25_557_032), ("transformer.yaml", 63_082_496),
  ])
  func publishedParameterCounts(file: String, count: Int) throws {
    var diagnostics = DiagnosticBag()
    let spec = try #require(Frontend.load(path: SeedSpecs.path(file), &diagnostics))
    #expect(spec.graph.parameterCount == count)
  }

  @Test func lstmCountsTwoBiasVectorsLikePyTorch() throws {
    var diagnostics = DiagnosticBag()
    let spec = try #require(
      Frontend.load(path: SeedSpecs.path("lstm.yaml"), &diagnostics))
    let lstm = try #require(spec.graph.nodes.first { $0.name == "lstm" })
    #expect(lstm.parameters.reduce(0) { $0 + spec.graph.parameters[$1.id].count } == 3_768_320)
  }

  @Test func overridingAVariableChangesTheModel() throws {
    var options = FrontendOptions()
    options.overrides["classes"] = .int(10)
    var diagnostics = DiagnosticBag()
    let path = SeedSpecs.path("resnet18.yaml")
    let spec = Frontend.load(path: path, options: options, &diagnostics)
    // The expectation pins 1000 classes, so the override is caught by `expect`.
    #expect(spec == nil)
    #expect(diagnostics.diagnostics.map(\.code).contains(.paramCountMismatch))
  }

  @Test func withoutExpectationsAnOverrideShrinksTheModel() throws {
    var options = FrontendOptions()
    options.overrides = ["classes": .int(10), "size": .int(32), "base": .int(8)]
    options.checksExpectations = false
    var diagnostics = DiagnosticBag()
    let path = SeedSpecs.path("resnet18.yaml")
    let spec = try #require(Frontend.load(path: path, options: options, &diagnostics), "\(diagnostics.diagnostics)")
    // (8 + 16 + 32 + 64)-channel stages: 1/64 of the full model's convolutions.
    #expect(spec.graph.parameterCount < 200_000)
    #expect(spec.graph.values[spec.graph.inputs[0]].type.shape.map(\.staticValue) == [nil, 3, 32, 32])
  }
}
