import NetSpecDiagnostics
import NetSpecYAML

/// Checks a layer's attributes against its op's schema: unknown names (with a
/// suggestion), missing required ones, kinds and ranges, each reported at the
/// value. Produces validated ``Attributes`` with defaults filled in.
struct AttributeValidator {
  let schema: OpSchema
  let resolver: ValueResolver

  /// Validated attributes, or nil when any attribute is wrong (after reporting).
  func validate(
    entries: [YAMLEntry], shorthand: YAMLNode?, layerSpan: SourceSpan,
    _ diagnostics: inout DiagnosticBag
  ) -> Attributes? {
    var values: [String: SpecValue.Kind] = [:]
    var spans: [String: SourceSpan] = [:]
    var ok = true
    let names = schema.attributes.map(\.name)
    /// Attributes the user wrote (even with a bad value, or misspelled with a
    /// suggestion): not reported again as missing.
    var mentioned: Set<String> = []

    if let shorthand {
      if let primary = schema.primary, let spec = schema.attribute(named: primary) {
        mentioned.insert(primary)
        if let value = resolver.resolve(shorthand, &diagnostics),
          let checked = check(value, spec, &diagnostics)
        {
          values[primary] = checked
          spans[primary] = value.span
        } else {
          ok = false
        }
      } else {
        var diagnostic = Diagnostic(
          .typeMismatch, at: shorthand.span, "`\(schema.name)` takes no shorthand value")
        diagnostic =
          names.isEmpty
          ? diagnostic.help("`\(schema.name)` has no attributes: write `- \(schema.name)`")
          : diagnostic.help("write `\(schema.name): {\(names[0]): ...}`; its attributes are \(Suggestions.list(names))")
        diagnostics.append(diagnostic)
        ok = false
      }
    }

    for entry in entries {
      let name = entry.key.value
      guard let spec = schema.attribute(named: name) else {
        var diagnostic = Diagnostic(
          .unknownAttribute, at: entry.key.span, "`\(schema.name)` has no attribute `\(name)`")
        if let suggestion = Suggestions.closest(to: name, in: names + LayerDecl.commonKeys) {
          mentioned.insert(suggestion)
          diagnostic = diagnostic.help("did you mean `\(suggestion)`?")
        } else if names.isEmpty {
          diagnostic = diagnostic.help("`\(schema.name)` takes no attributes")
        } else {
          diagnostic = diagnostic.help("its attributes are \(Suggestions.list(names))")
        }
        diagnostics.append(diagnostic)
        ok = false
        continue
      }
      if values[name] != nil {
        diagnostics.append(
          Diagnostic(.duplicateKey, at: entry.key.span, "`\(name)` is given twice")
            .label(spans[name], "first given here"))
        ok = false
        continue
      }
      mentioned.insert(name)
      guard let value = resolver.resolve(entry.value, &diagnostics),
        let checked = check(value, spec, &diagnostics)
      else {
        ok = false
        continue
      }
      values[name] = checked
      spans[name] = value.span
    }

    for spec in schema.attributes where values[spec.name] == nil && !mentioned.contains(spec.name) {
      switch spec.defaultValue {
      case .value(let v): values[spec.name] = v
      case .optional: break
      case .required:
        diagnostics.append(
          Diagnostic(.missingAttribute, at: layerSpan, "`\(schema.name)` needs `\(spec.name)`: \(spec.doc)")
            .help("add `\(spec.name): ...` (\(spec.kind.expectation))"))
        ok = false
      }
    }
    return ok ? Attributes(values: values, spans: spans) : nil
  }

  /// The value converted to the attribute's kind, or nil after a diagnostic.
  private func check(_ value: SpecValue, _ spec: AttributeSpec, _ diagnostics: inout DiagnosticBag)
    -> SpecValue.Kind?
  {
    let what = "`\(spec.name)`"
    switch spec.kind {
    case .int(let range):
      return ValueCheck.int(value, in: range, what: what, &diagnostics).map { .int($0) }
    case .float(let range, let exclusive):
      return ValueCheck.double(value, in: range, exclusiveUpper: exclusive, what: what, &diagnostics)
        .map { .float($0) }
    case .bool:
      return ValueCheck.bool(value, what: what, &diagnostics).map { .bool($0) }
    case .choice(let words):
      return ValueCheck.choice(value, words, what: what, &diagnostics).map { .string($0) }
    case .reference:
      return ValueCheck.string(value, what: what, &diagnostics).map { .string($0) }
    case .pair(let range):
      return checkPair(value, range: range, what: what, &diagnostics)
    case .padding:
      if let word = value.stringValue {
        return ValueCheck.choice(value, ["same", "valid"], what: what, &diagnostics).map { _ in .string(word) }
      }
      return checkPair(value, range: 0...4096, what: what, &diagnostics)
    case .ints:
      guard let items = value.listValue else {
        diagnostics.append(
          Diagnostic(
            .typeMismatch, at: value.span, "\(what) must be a list of integers, found \(value.kindDescription)"))
        return nil
      }
      let checked = items.map { ValueCheck.int($0, in: -Dim.limit...Dim.limit, what: what, &diagnostics) }
      return checked.contains(nil) ? nil : value.kind
    case .axes:
      if value.listValue == nil {
        return ValueCheck.int(value, in: ShapeRules.axisRange, what: what, &diagnostics).map { _ in .list([value]) }
      }
      let checked = value.listValue!.map { ValueCheck.int($0, in: ShapeRules.axisRange, what: what, &diagnostics) }
      return checked.contains(nil) ? nil : value.kind
    case .shape:
      guard let items = value.listValue else {
        diagnostics.append(
          Diagnostic(.typeMismatch, at: value.span, "\(what) must be a list of sizes, found \(value.kindDescription)")
            .help(spec.kind.expectation))
        return nil
      }
      var ok = true
      for item in items {
        switch item.kind {
        case .int(let v) where v > 0 || v == -1: continue
        case .string(let s) where s.first?.isLetter == true: continue
        default:
          diagnostics.append(
            Diagnostic(.badShape, at: item.span, "`\(item)` is not a valid size")
              .help("sizes are positive integers, symbols such as `T`, or -1 (inferred) once"))
          ok = false
        }
      }
      return ok ? value.kind : nil
    }
  }

  private func checkPair(
    _ value: SpecValue, range: ClosedRange<Int>, what: String, _ diagnostics: inout DiagnosticBag
  ) -> SpecValue.Kind? {
    if let items = value.listValue {
      guard items.count == 2 else {
        diagnostics.append(
          Diagnostic(
            .typeMismatch, at: value.span,
            "\(what) must be one integer or a [height, width] pair, found \(items.count) items"))
        return nil
      }
      let checked = items.map { ValueCheck.int($0, in: range, what: what, &diagnostics) }
      return checked.contains(nil) ? nil : value.kind
    }
    return ValueCheck.int(value, in: range, what: what, &diagnostics).map { .int($0) }
  }
}
