/// A tensor dimension: an integer polynomial over symbolic sizes such as `N`
/// (batch) and `T` (sequence length). Static dims are constant polynomials.
///
/// ```swift
/// let n = Dim.symbol("N")
/// n.scaled(4)!.description   // "4*N"
/// Dim(28).staticValue        // 28
/// ```
///
/// Arithmetic is checked: results that overflow ``Dim/limit`` are reported by
/// the throwing operations instead of wrapping.
public struct Dim: Hashable, Sendable, CustomStringConvertible {
  /// Largest coefficient any dimension or count may reach (2^53, exact in a Double).
  public static let limit = 1 << 53

  /// Monomial (sorted symbol names, repeated for powers) -> coefficient. Never
  /// holds zero coefficients; the empty monomial is the constant term.
  public private(set) var terms: [[String]: Int]

  public init(_ value: Int) {
    terms = value == 0 ? [:] : [[]: value]
  }

  private init(terms: [[String]: Int]) {
    self.terms = terms.filter { $0.value != 0 }
  }

  /// A symbolic dimension such as `N`.
  public static func symbol(_ name: String) -> Dim { Dim(terms: [[name]: 1]) }

  /// The value when the dim has no symbols.
  public var staticValue: Int? {
    if terms.isEmpty { return 0 }
    if terms.count == 1, let c = terms[[]] { return c }
    return nil
  }

  public var isStatic: Bool { staticValue != nil }

  /// The symbols the dim depends on, sorted.
  public var symbols: [String] { Array(Set(terms.keys.flatMap { $0 })).sorted() }

  /// True when the dim is a single monomial with a positive coefficient, i.e.
  /// certainly positive for positive symbols.
  public var isPositiveMonomial: Bool {
    terms.count == 1 && terms.values.first! > 0
  }

  /// The value for given symbol bindings; nil when a symbol is unbound or the
  /// result overflows.
  public func evaluate(_ bindings: [String: Int]) -> Int? {
    var total = 0
    for (monomial, coefficient) in terms {
      var product = coefficient
      for symbol in monomial {
        guard let v = bindings[symbol] else { return nil }
        let (p, o) = product.multipliedReportingOverflow(by: v)
        if o { return nil }
        product = p
      }
      let (s, o) = total.addingReportingOverflow(product)
      if o { return nil }
      total = s
    }
    return total
  }

  /// The dim with the symbols of `bindings` replaced by their sizes (other
  /// symbols stay); nil when a size or the result is past ``limit``.
  ///
  /// ```swift
  /// (Dim.symbol("N").multiplied(by: .symbol("T"))!).substituting(["T": 50])  // 50*N
  /// ```
  public func substituting(_ bindings: [String: Int]) -> Dim? {
    var result = Dim(0)
    for (monomial, coefficient) in terms {
      var term = Dim(coefficient)
      for symbol in monomial {
        let factor: Dim
        if let size = bindings[symbol] {
          guard abs(size) <= Dim.limit else { return nil }
          factor = Dim(size)
        } else {
          factor = .symbol(symbol)
        }
        guard let product = term.multiplied(by: factor) else { return nil }
        term = product
      }
      guard let sum = result.adding(term) else { return nil }
      result = sum
    }
    return result
  }

  /// Checked sum; nil on overflow past ``limit``.
  public func adding(_ other: Dim) -> Dim? {
    var result = terms
    for (m, c) in other.terms {
      let (s, o) = (result[m] ?? 0).addingReportingOverflow(c)
      if o || abs(s) > Dim.limit { return nil }
      result[m] = s
    }
    return Dim(terms: result)
  }

  /// Checked difference; nil on overflow.
  public func subtracting(_ other: Dim) -> Dim? { adding(other.scaled(-1)!) }

  /// Checked product; nil on overflow past ``limit``.
  public func multiplied(by other: Dim) -> Dim? {
    if let factor = other.staticValue { return multiplied(byConstant: factor) }
    if let factor = staticValue { return other.multiplied(byConstant: factor) }
    var result: [[String]: Int] = [:]
    for (m1, c1) in terms {
      for (m2, c2) in other.terms {
        let (p, o) = c1.multipliedReportingOverflow(by: c2)
        if o || abs(p) > Dim.limit { return nil }
        let m = (m1 + m2).sorted()
        let (s, o2) = (result[m] ?? 0).addingReportingOverflow(p)
        if o2 || abs(s) > Dim.limit { return nil }
        result[m] = s
      }
    }
    return Dim(terms: result)
  }

  /// The product with a constant, term by term (shapes and counts are mostly
  /// static, so this is the common case); nil on overflow past ``limit``.
  private func multiplied(byConstant factor: Int) -> Dim? {
    if factor == 1 { return self }
    var result: [[String]: Int] = [:]
    result.reserveCapacity(terms.count)
    for (monomial, coefficient) in terms {
      let (p, o) = coefficient.multipliedReportingOverflow(by: factor)
      if o || abs(p) > Dim.limit { return nil }
      result[monomial] = p
    }
    return Dim(terms: result)
  }

  /// Checked multiplication by an integer; nil on overflow.
  public func scaled(_ factor: Int) -> Dim? { multiplied(by: Dim(factor)) }

  /// Exact division: nil unless every coefficient divides evenly (by a constant),
  /// or the divisor is a single monomial dividing every term.
  public func divided(by other: Dim) -> Dim? {
    guard other.terms.count == 1, let (dm, dc) = other.terms.first, dc != 0 else { return nil }
    var result: [[String]: Int] = [:]
    for (m, c) in terms {
      guard c % dc == 0 else { return nil }
      var remaining = m
      for symbol in dm {
        guard let i = remaining.firstIndex(of: symbol) else { return nil }
        remaining.remove(at: i)
      }
      result[remaining] = c / dc
    }
    return Dim(terms: result)
  }

  /// Like `"4*N*T + 2"`; static dims print as their value.
  public var description: String {
    if terms.isEmpty { return "0" }
    let ordered = terms.sorted { a, b in
      a.key.count != b.key.count ? a.key.count > b.key.count : a.key.lexicographicallyPrecedes(b.key)
    }
    var text = ""
    for (i, (monomial, coefficient)) in ordered.enumerated() {
      var c = coefficient
      if i > 0 {
        text += c < 0 ? " - " : " + "
        c = abs(c)
      } else if c < 0, !monomial.isEmpty, c == -1 {
        text += "-"
        c = 1
      }
      var factors = monomial
      if c != 1 || monomial.isEmpty { factors.insert(String(c), at: 0) }
      text += factors.joined(separator: "*")
    }
    return text
  }
}

extension Dim: ExpressibleByIntegerLiteral {
  public init(integerLiteral value: Int) { self.init(value) }
}

/// A tensor shape: one ``Dim`` per axis.
public typealias Shape = [Dim]

extension Array where Element == Dim {
  /// `[N, 1, 28, 28]`
  public var shapeDescription: String { "[" + map(\.description).joined(separator: ", ") + "]" }

  /// `16x5x5`, for labels such as "outputs 16x5x5 = 400 features".
  public var timesDescription: String { map(\.description).joined(separator: "x") }

  /// Product of all dims (nil on overflow).
  public var elementCount: Dim? {
    var total = Dim(1)
    for d in self {
      guard let p = total.multiplied(by: d) else { return nil }
      total = p
    }
    return total
  }

  /// Static sizes when every dim is static.
  public var staticSizes: [Int]? {
    var result: [Int] = []
    for d in self {
      guard let v = d.staticValue else { return nil }
      result.append(v)
    }
    return result
  }
}
