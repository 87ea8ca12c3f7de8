import NetSpecDiagnostics
import Testing

@Suite("ColorChoice")
struct ColorChoiceTests {
  @Test func autoColoursATerminalOnly() {
    #expect(ColorChoice.auto.isEnabled(environment: ["TERM": "xterm-256color"], isTerminal: true))
    #expect(ColorChoice.auto.isEnabled(environment: [:], isTerminal: true))
    #expect(!ColorChoice.auto.isEnabled(environment: ["TERM": "xterm-256color"], isTerminal: false))
  }

  @Test(arguments: ["1", "0", "false", "yes"])
  func autoHonoursAnyNonEmptyNoColor(_ value: String) {
    #expect(!ColorChoice.auto.isEnabled(environment: ["NO_COLOR": value, "TERM": "xterm"], isTerminal: true))
  }

  @Test func anEmptyNoColorIsUnset() {
    #expect(ColorChoice.auto.isEnabled(environment: ["NO_COLOR": ""], isTerminal: true))
  }

  @Test func autoTreatsADumbTerminalAsNoColour() {
    #expect(!ColorChoice.auto.isEnabled(environment: ["TERM": "dumb"], isTerminal: true))
  }

  @Test func explicitChoicesOverrideTheEnvironment() {
    let hostile = ["NO_COLOR": "1", "TERM": "dumb"]
    #expect(ColorChoice.always.isEnabled(environment: hostile, isTerminal: false))
    #expect(!ColorChoice.never.isEnabled(environment: ["TERM": "xterm"], isTerminal: true))
  }
}
