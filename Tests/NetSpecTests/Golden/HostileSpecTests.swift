// Specs that are valid YAML but hostile to the compiler: huge repeats, recursive
// or deeply nested blocks, dimensions and parameter counts that overflow,
// arithmetic traps, deeply nested expressions, names with control characters or
// of 100,000 characters. (Hostile YAML itself is covered in NetSpecYAMLTests.)
//
// Each must be rejected with at least one error that points into the spec,
// without crashing (principle 9). How long checking takes is measured by
// `swift run -c release CheckBench` (hostile specs against a 2 s budget), not
// here: a timing assertion fails under load.

import Foundation
import NetSpec
import NetSpecDiagnostics
import Testing

/// A hostile spec, built on demand, and the codes of which one must be reported.
struct HostileSpec: Sendable, CustomTestStringConvertible {
  var name: String
  var codes: [DiagnosticCode]
  var make: @Sendable () -> String
  /// Why the spec is accepted today, when it should not be.
  var knownIssue: String?

  init(
    _ name: String, _ codes: DiagnosticCode..., knownIssue: String? = nil,
    make: @escaping @Sendable () -> String
  ) {
    self.name = name
    self.codes = codes
    self.make = make
    self.knownIssue = knownIssue
  }

  var testDescription: String { name }

  /// `netspec: 1`, one input `x: [N, 64]`, then `rest`.
  static func spec(_ rest: String, inputs: String = "  x: [N, 64]\n") -> String {
    "netspec: 1\nname: hostile\ninputs:\n" + inputs + rest
  }

  static let corpus: [HostileSpec] = [
    HostileSpec("repeat: 1000000", .valueOutOfRange) {
      spec("layers:\n  - dense: 64\n    repeat: 1000000\n")
    },
    HostileSpec("repeat: $n * $n with n = 100000", .valueOutOfRange) {
      "netspec: 1\nvars: {n: 100000}\ninputs:\n  x: [N, 64]\nlayers:\n  - dense: 64\n    repeat: $n * $n\n"
    },
    HostileSpec("blocks a -> b -> a", .recursiveBlock) {
      spec("blocks:\n  a:\n    layers:\n      - b\n  b:\n    layers:\n      - a\nlayers:\n  - a\n")
    },
    HostileSpec("blocks nested 100 deep", .recursiveBlock) {
      var text = "blocks:\n"
      for i in 0..<100 {
        text += "  b\(i):\n    layers:\n      - \(i < 99 ? "b\(i + 1)" : "relu")\n"
      }
      return spec(text + "layers:\n  - b0\n")
    },
    HostileSpec("200,000 layers via nested repeats", .layerCount) {
      spec(
        "blocks:\n  stack:\n    layers:\n      - dense: 64\n        repeat: 500\n"
          + "layers:\n  - stack:\n    repeat: 400\n")
    },
    HostileSpec("dimension 2^53 + 1", .badShape) {
      spec("layers:\n  - relu\n", inputs: "  x: [N, 9007199254740993]\n")
    },
    HostileSpec("dimension product overflows, then flatten", .dimensionOverflow) {
      spec("layers:\n  - flatten\n  - dense: 10\n", inputs: "  x: [N, 4294967296, 4294967296]\n")
    },
    HostileSpec("conv2d kernel 1000000", .valueOutOfRange) {
      spec("layers:\n  - conv2d: {filters: 8, kernel: 1000000}\n", inputs: "  x: [N, 3, 32, 32]\n")
    },
    HostileSpec("dense units 10^15", .dimensionOverflow) {
      spec("layers:\n  - dense: 1000000000000000\n")
    },
    HostileSpec("a list variable used as a number", .typeMismatch) {
      "netspec: 1\nvars: {x: [1, 2, 3]}\ninputs:\n  x: [N, 64]\nlayers:\n  - dense: {units: $x + 1}\n"
    },
    HostileSpec("$a // 0", .arithmeticError) {
      "netspec: 1\nvars: {a: 64}\ninputs:\n  x: [N, 64]\nlayers:\n  - dense: {units: $a // 0}\n"
    },
    HostileSpec("9223372036854775807 + 1", .arithmeticError) {
      spec("layers:\n  - dense: {units: 9223372036854775807 + 1}\n")
    },
    HostileSpec("a variable doubled 70 times", .arithmeticError) {
      var vars = "vars:\n  v0: 1\n"
      for i in 1...70 { vars += "  v\(i): $v\(i - 1) * 2\n" }
      return "netspec: 1\n" + vars + "inputs:\n  x: [N, 64]\nlayers:\n  - dense: $v70\n"
    },
    HostileSpec("10,000 nested parentheses", .badExpression) {
      let depth = 10_000
      return spec(
        "layers:\n  - dense: {units: " + String(repeating: "(", count: depth) + "1"
          + String(repeating: ")", count: depth) + " + 1}\n")
    },
    HostileSpec("30,000 unary minus signs", .badExpression) {
      spec("layers:\n  - dense: {units: " + String(repeating: "-", count: 30_000) + "1}\n")
    },
    HostileSpec("a layer name with control characters", .typeMismatch) {
      spec("layers:\n  - dense: {units: 8, name: \"fc\\a\\e[31m\\0\"}\n")
    },
    HostileSpec("a variable name with a NUL", .badExpression) {
      "netspec: 1\nvars: {\"w\\0\": 3}\ninputs:\n  x: [N, 64]\nlayers:\n  - dense: 8\n"
    },
    HostileSpec("an input name with a newline and an escape sequence", .typeMismatch, .badShape) {
      spec("layers:\n  - dense: 8\n", inputs: "  \"x\\ny\\e[2J\": [N, 64]\n")
    },
    HostileSpec("a block name with a tab", .typeMismatch, .unknownOp) {
      spec("blocks:\n  \"b\\tk\":\n    layers:\n      - relu\nlayers:\n  - \"b\\tk\"\n")
    },
    HostileSpec("a 100,000-character layer name", .scalarTooLong) {
      spec("layers:\n  - dense: {units: 8, name: " + String(repeating: "a", count: 100_000) + "}\n")
    },
    HostileSpec("a 100,000-character input name", .scalarTooLong, .yamlSyntax) {
      spec("layers:\n  - dense: 8\n", inputs: "  " + String(repeating: "x", count: 100_000) + ": [N, 64]\n")
    },
    HostileSpec("a 100,000-character op name", .scalarTooLong) {
      spec("layers:\n  - " + String(repeating: "d", count: 100_000) + "\n")
    },
    HostileSpec("10,000 layers with unknown ops", .unknownOp) {
      spec("layers:\n" + String(repeating: "  - dense_layer: 64\n", count: 10_000))
    },
    HostileSpec("an input of 2^96 elements", .dimensionOverflow) {
      spec("layers:\n  - relu\n", inputs: "  x: [N, 65536, 65536, 65536, 65536, 65536, 65536]\n")
    },
    HostileSpec("(-2^63) // -1", .arithmeticError) {
      spec("layers:\n  - dense: {units: (-9223372036854775807 - 1) // -1}\n")
    },
    HostileSpec("(-2^63) / -1", .arithmeticError) {
      spec("layers:\n  - dense: {units: (-9223372036854775807 - 1) / -1}\n")
    },
    HostileSpec("2^63 - 1 plus one in a repeat", .arithmeticError) {
      spec("layers:\n  - dense: 4\n    repeat: 9223372036854775807 + 1\n")
    },
    HostileSpec("10,000 layers with the same name", .duplicateName) {
      spec("layers:\n" + String(repeating: "  - dense: {units: 64, name: fc}\n", count: 10_000))
    },
  ]
}

@Suite("Hostile specs", .serialized)
struct GoldenHostileSpecTests {
  /// The spec is rejected, each error points into it, and checking it does
  /// not crash.
  @Test(arguments: HostileSpec.corpus)
  func rejected(_ hostile: HostileSpec) {
    let file = SourceFile(path: "hostile.yaml", text: hostile.make())
    var bag = DiagnosticBag()
    _ = Frontend.check(file, &bag)
    let errors = bag.diagnostics.filter { $0.severity == .error }
    let check = {
      #expect(!errors.isEmpty, "accepted without an error")
      #expect(
        errors.contains { hostile.codes.contains($0.code) },
        "expected \(hostile.codes.map(\.id)), got \(errors.prefix(5).map { "\($0.code.id) \($0.message.prefix(200))" })"
      )
    }
    if let knownIssue = hostile.knownIssue {
      withKnownIssue(Comment(rawValue: knownIssue)) { check() }
    } else {
      check()
    }
    for error in errors {
      #expect(error.span != nil, "\(error.code.id) \(error.message.prefix(200)) has no span")
    }
    // Thousands of errors are cut to the limit, and a note counts the rest.
    #expect(errors.count <= FrontendOptions().errorLimit ?? .max)
    // Rendering the diagnostics must not trap either.
    _ = HumanRenderer().render(bag.sorted)
    _ = JSONRenderer().render(bag.sorted)
  }
}
