extension Dim {
  /// Reads a dimension written the way ``description`` prints one: integers and
  /// symbols joined by `*` into terms, terms joined by `+` or `-`, spaces
  /// anywhere between them. Nil when `text` is not such a sum or a coefficient
  /// passes ``limit``.
  ///
  /// ```swift
  /// Dim(parsing: "2*T + 6")   // 2*T + 6
  /// Dim(parsing: "N*T*T")     // N*T*T
  /// Dim(parsing: "T +")       // nil
  /// ```
  public init?(parsing text: String) {
    var result = Dim(0)
    var term = Dim(1)
    var sign = 1
    var expectsFactor = true
    var index = text.startIndex
    while index < text.endIndex, text[index] == " " { index = text.index(after: index) }
    if index < text.endIndex, text[index] == "-" {
      sign = -1
      index = text.index(after: index)
    }
    func finish(_ term: Dim, _ sign: Int) -> Dim? { term.scaled(sign).flatMap { result.adding($0) } }
    while index < text.endIndex {
      let character = text[index]
      if character == " " {
        index = text.index(after: index)
        continue
      }
      if expectsFactor {
        guard let (factor, end) = Self.factor(in: text, at: index), let product = term.multiplied(by: factor)
        else { return nil }
        term = product
        index = end
        expectsFactor = false
      } else if character == "*" {
        expectsFactor = true
        index = text.index(after: index)
      } else if character == "+" || character == "-" {
        guard let sum = finish(term, sign) else { return nil }
        result = sum
        term = Dim(1)
        sign = character == "+" ? 1 : -1
        expectsFactor = true
        index = text.index(after: index)
      } else {
        return nil
      }
    }
    guard !expectsFactor, let sum = finish(term, sign) else { return nil }
    self = sum
  }

  /// The integer or symbol starting at `start`, and where it ends.
  private static func factor(in text: String, at start: String.Index) -> (Dim, String.Index)? {
    var end = start
    while end < text.endIndex, text[end].isASCII, text[end].isLetter || text[end].isNumber || text[end] == "_" {
      end = text.index(after: end)
    }
    let word = text[start..<end]
    guard let first = word.first else { return nil }
    if first.isNumber {
      guard let value = Int(word), value <= limit else { return nil }
      return (Dim(value), end)
    }
    return (Dim.symbol(String(word)), end)
  }
}
