import NetSpecDiagnostics
import Testing

/// Two words and their optimal-string-alignment distance.
struct DistanceCase: Sendable, CustomTestStringConvertible {
  var a: String
  var b: String
  var distance: Int
  var testDescription: String { "\(a) ~ \(b) = \(distance)" }
}

/// A misspelt word, the candidates, and the suggestion expected (nil: none).
struct ClosestCase: Sendable, CustomTestStringConvertible {
  var word: String
  var candidates: [String]
  var expected: String?
  var testDescription: String { "\(word) -> \(expected ?? "nil")" }
}

private let ops = ["conv2d", "dense", "relu", "tanh", "dropout", "batchnorm", "softmax", "flatten"]

@Suite("Suggestions")
struct SuggestionsTests {
  @Test(arguments: [
    DistanceCase(a: "", b: "", distance: 0),
    DistanceCase(a: "", b: "abc", distance: 3),
    DistanceCase(a: "abc", b: "", distance: 3),
    DistanceCase(a: "dense", b: "dense", distance: 0),
    DistanceCase(a: "conv2", b: "conv2d", distance: 1),
    DistanceCase(a: "dnse", b: "dense", distance: 1),
    DistanceCase(a: "denze", b: "dense", distance: 1),
    DistanceCase(a: "ca", b: "ac", distance: 1),
    DistanceCase(a: "rleu", b: "relu", distance: 1),
    DistanceCase(a: "convd2", b: "conv2d", distance: 1),
    DistanceCase(a: "kitten", b: "sitting", distance: 3),
    // Optimal string alignment never edits a substring twice: not 2 as in full Damerau–Levenshtein.
    DistanceCase(a: "ca", b: "abc", distance: 3),
    DistanceCase(a: "größe", b: "grösse", distance: 2),
  ])
  func distance(_ test: DistanceCase) {
    #expect(Suggestions.distance(test.a, test.b) == test.distance)
    #expect(Suggestions.distance(test.b, test.a) == test.distance)
  }

  @Test(arguments: [
    ClosestCase(word: "conv2", candidates: ops, expected: "conv2d"),
    ClosestCase(word: "rleu", candidates: ops, expected: "relu"),
    ClosestCase(word: "tnah", candidates: ops, expected: "tanh"),
    ClosestCase(word: "Dense", candidates: ops, expected: "dense"),
    ClosestCase(word: "dropot", candidates: ops, expected: "dropout"),
    ClosestCase(word: "bachnrm", candidates: ops, expected: "batchnorm"),
    ClosestCase(word: "sofmax", candidates: ops, expected: "softmax"),
    // Up to 4 characters allow one edit, longer words two.
    ClosestCase(word: "rel", candidates: ops, expected: "relu"),
    ClosestCase(word: "rl", candidates: ops, expected: nil),
    ClosestCase(word: "conv", candidates: ops, expected: nil),
    ClosestCase(word: "flatn", candidates: ops, expected: "flatten"),
    ClosestCase(word: "sigmoid", candidates: ops, expected: nil),
    ClosestCase(word: "dense", candidates: [], expected: nil),
    // The closest wins; on a tie, the first candidate.
    ClosestCase(word: "dens", candidates: ["dena", "dense"], expected: "dena"),
    ClosestCase(word: "conv2d", candidates: ["conv1d", "conv2d"], expected: "conv2d"),
  ])
  func closest(_ test: ClosestCase) {
    #expect(Suggestions.closest(to: test.word, in: test.candidates) == test.expected)
  }

  @Test func didYouMean() {
    #expect(Suggestions.didYouMean("conv2", in: ops) == "did you mean `conv2d`?")
    #expect(Suggestions.didYouMean("lstm", in: ops) == nil)
  }

  @Test(arguments: [
    ([String](), ""),
    (["a"], "`a`"),
    (["a", "b"], "`a` or `b`"),
    (["same", "valid", "causal"], "`same`, `valid` or `causal`"),
  ])
  func list(_ values: [String], _ expected: String) {
    #expect(Suggestions.list(values) == expected)
  }
}
