import NetSpecDiagnostics
import Testing

@Suite("DiagnosticFormat")
struct DiagnosticFormatTests {
  @Test func namesMatchTheCommandLine() {
    #expect(DiagnosticFormat.allCases.map(\.rawValue) == ["text", "json", "github", "sarif"])
  }

  @Test(arguments: DiagnosticFormat.allCases)
  func rendererMatchesFormat(_ format: DiagnosticFormat) {
    let renderer = format.renderer(colored: true)
    switch format {
    case .text: #expect((renderer as? HumanRenderer)?.colored == true)
    case .json: #expect(renderer is JSONRenderer)
    case .github: #expect(renderer is GitHubRenderer)
    case .sarif: #expect(renderer is SARIFRenderer)
    }
  }

  @Test func codesAreUniqueAndWellFormed() {
    let ids = DiagnosticCode.all.map(\.id)
    #expect(Set(ids).count == ids.count)
    #expect(Set(DiagnosticCode.all.map(\.name)).count == ids.count)
    for code in DiagnosticCode.all {
      #expect(
        code.id.count == 6 && code.id.hasPrefix("NS") && code.id.dropFirst(2).allSatisfy(\.isNumber)
      )
      #expect(code.name.allSatisfy { $0.isLowercase || $0 == "-" })
    }
  }
}
