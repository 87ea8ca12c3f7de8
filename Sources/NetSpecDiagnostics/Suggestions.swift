/// "Did you mean" suggestions by Damerau–Levenshtein (optimal string alignment)
/// distance: at most 1 edit for names of up to 4 characters, at most 2 otherwise.
public enum Suggestions {
  /// The candidate closest to `word`, if it is close enough to be a likely typo.
  /// On a tie, the first candidate wins.
  ///
  /// Cheap enough to call once per error of a hostile spec: candidates whose
  /// length alone rules them out are skipped, and a distance is computed only
  /// up to the best one found so far.
  public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
    let target = Array(word.lowercased())
    var limit = word.count <= 4 ? 1 : 2
    var best: String?
    for candidate in candidates {
      let other = Array(candidate.lowercased())
      guard abs(other.count - target.count) <= limit, let d = distance(target, other, atMost: limit) else {
        continue
      }
      best = candidate
      guard d > 0 else { break }
      limit = d - 1
    }
    return best
  }

  /// `did you mean `x`?` help text, or nil when nothing is close.
  public static func didYouMean(_ word: String, in candidates: some Sequence<String>) -> String? {
    closest(to: word, in: candidates).map { "did you mean `\($0)`?" }
  }

  /// Optimal-string-alignment distance (Damerau–Levenshtein without repeated edits).
  public static func distance(_ a: String, _ b: String) -> Int {
    distance(Array(a), Array(b), atMost: Int.max)!
  }

  /// The distance between `s` and `t` if it is at most `bound`, else nil. Keeps
  /// three rows of the table, and stops as soon as a whole row exceeds `bound`
  /// (no later row can be smaller).
  private static func distance(_ s: [Character], _ t: [Character], atMost bound: Int) -> Int? {
    if s.isEmpty || t.isEmpty { return max(s.count, t.count) <= bound ? max(s.count, t.count) : nil }
    var beforePrevious = [Int](repeating: 0, count: t.count + 1)
    var previous = Array(0...t.count)
    var current = [Int](repeating: 0, count: t.count + 1)
    for i in 1...s.count {
      current[0] = i
      var rowMinimum = i
      for j in 1...t.count {
        let cost = s[i - 1] == t[j - 1] ? 0 : 1
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1, j > 1, s[i - 1] == t[j - 2], s[i - 2] == t[j - 1] {
          current[j] = min(current[j], beforePrevious[j - 2] + 1)
        }
        rowMinimum = min(rowMinimum, current[j])
      }
      guard rowMinimum <= bound else { return nil }
      (beforePrevious, previous, current) = (previous, current, beforePrevious)
    }
    return previous[t.count] <= bound ? previous[t.count] : nil
  }

  /// A list of allowed values for a help line: `` `a`, `b` or `c` ``.
  public static func list(_ values: [String]) -> String {
    let quoted = values.map { "`\($0)`" }
    guard quoted.count > 1 else { return quoted.first ?? "" }
    return quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
  }
}
