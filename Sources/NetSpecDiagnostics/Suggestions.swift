/// "Did you mean" suggestions by Damerau–Levenshtein (optimal string alignment)
/// distance: at most 1 edit for names of up to 4 characters, at most 2 otherwise.
public enum Suggestions {
  /// The candidate closest to `word`, if it is close enough to be a likely typo.
  public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
    let limit = word.count <= 4 ? 1 : 2
    var best: (String, Int)?
    for candidate in candidates {
      let d = distance(word.lowercased(), candidate.lowercased())
      if d <= limit, d < (best?.1 ?? Int.max) { best = (candidate, d) }
    }
    return best?.0
  }

  /// `did you mean `x`?` help text, or nil when nothing is close.
  public static func didYouMean(_ word: String, in candidates: some Sequence<String>) -> String? {
    closest(to: word, in: candidates).map { "did you mean `\($0)`?" }
  }

  /// Optimal-string-alignment distance (Damerau–Levenshtein without repeated edits).
  public static func distance(_ a: String, _ b: String) -> Int {
    let s = Array(a)
    let t = Array(b)
    if s.isEmpty { return t.count }
    if t.isEmpty { return s.count }
    var d = [[Int]](repeating: [Int](repeating: 0, count: t.count + 1), count: s.count + 1)
    for i in 0...s.count { d[i][0] = i }
    for j in 0...t.count { d[0][j] = j }
    for i in 1...s.count {
      for j in 1...t.count {
        let cost = s[i - 1] == t[j - 1] ? 0 : 1
        d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
        if i > 1, j > 1, s[i - 1] == t[j - 2], s[i - 2] == t[j - 1] {
          d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
        }
      }
    }
    return d[s.count][t.count]
  }

  /// A list of allowed values for a help line: `` `a`, `b` or `c` ``.
  public static func list(_ values: [String]) -> String {
    let quoted = values.map { "`\($0)`" }
    guard quoted.count > 1 else { return quoted.first ?? "" }
    return quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
  }
}
