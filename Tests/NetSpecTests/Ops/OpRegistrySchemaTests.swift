import Testing

@testable import NetSpec

/// Whether `value` is a valid value of `kind`, as spec validation must accept it.
private func conforms(_ value: SpecValue.Kind, to kind: AttributeKind) -> Bool {
  func integer(_ v: SpecValue.Kind) -> Int? {
    if case .int(let i) = v { i } else { nil }
  }
  func list(_ v: SpecValue.Kind) -> [SpecValue.Kind]? {
    if case .list(let items) = v { items.map(\.kind) } else { nil }
  }
  switch kind {
  case .int(let range):
    return integer(value).map(range.contains) ?? false
  case .float(let range, let exclusiveUpper):
    let number: Double
    switch value {
    case .int(let i): number = Double(i)
    case .float(let d): number = d
    default: return false
    }
    return range.contains(number) && !(exclusiveUpper && number == range.upperBound)
  case .bool:
    if case .bool = value { return true }
    return false
  case .choice(let words):
    if case .string(let word) = value { return words.contains(word) }
    return false
  case .pair(let range):
    if let i = integer(value) { return range.contains(i) }
    guard let items = list(value), items.count == 2 else { return false }
    return items.allSatisfy { integer($0).map(range.contains) ?? false }
  case .padding:
    if case .string(let word) = value { return word == "same" || word == "valid" }
    return conforms(value, to: .pair(0...Int.max))
  case .shape:
    guard let items = list(value) else { return false }
    let sizesAndSymbols = items.allSatisfy { item in
      if case .string = item { return true }
      return integer(item).map { $0 >= 1 || $0 == -1 } ?? false
    }
    return sizesAndSymbols && items.filter { $0 == .int(-1) }.count <= 1
  case .ints:
    return list(value)?.allSatisfy { integer($0) != nil } ?? false
  case .axes:
    if let axis = integer(value) { return ShapeRules.axisRange.contains(axis) }
    return list(value)?.allSatisfy { integer($0).map(ShapeRules.axisRange.contains) ?? false } ?? false
  case .reference:
    if case .string = value { return true }
    return false
  }
}

/// Op and attribute names are lowercase snake_case words.
private func isSpecName(_ name: String) -> Bool {
  name.wholeMatch(of: /[a-z][a-z0-9_]*/) != nil
}

@Suite struct OpRegistrySchemaTests {
  @Test func opNamesAreUniqueAndFound() {
    let names = OpRegistry.all.map { $0.schema.name }
    #expect(Set(names).count == names.count, "duplicate op names in \(names)")
    #expect(OpRegistry.names == names.sorted())
    for op in OpRegistry.all {
      let name = op.schema.name
      let found = OpRegistry.op(named: name).map { ObjectIdentifier($0) }
      #expect(found == ObjectIdentifier(op), "`\(name)` finds another op")
      #expect(isSpecName(name), "op name \(name)")
    }
  }

  @Test(arguments: OpRegistry.all.map { $0.schema.name })
  func schemaIsConsistent(name: String) throws {
    let schema = try #require(OpRegistry.op(named: name)).schema
    #expect(!schema.summary.isEmpty)
    let attributes = schema.attributes.map(\.name)
    #expect(Set(attributes).count == attributes.count, "duplicate attributes in \(attributes)")
    if let primary = schema.primary {
      #expect(attributes.contains(primary), "primary `\(primary)` is not an attribute of \(name)")
    }
    for attribute in schema.attributes {
      #expect(isSpecName(attribute.name), "attribute name \(attribute.name)")
      #expect(!attribute.doc.isEmpty, "\(name).\(attribute.name) has no doc")
      if case .value(let value) = attribute.defaultValue {
        #expect(
          conforms(value, to: attribute.kind),
          "\(name).\(attribute.name) defaults to \(value), not \(attribute.kind.expectation)")
      }
    }
  }
}
