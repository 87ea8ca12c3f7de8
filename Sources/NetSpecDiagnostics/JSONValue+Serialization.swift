extension JSONValue {
  /// The value as JSON text laid out as `format` says.
  ///
  /// - Parameter format: ``JSONFormat/prettyOrdered``, ``JSONFormat/prettySorted``,
  ///   ``JSONFormat/compact`` or a format of its own.
  public func serialized(_ format: JSONFormat) -> String {
    var out = ""
    write(to: &out, format: format, indent: "")
    return format.indented ? out + "\n" : out
  }

  private func write(to out: inout String, format: JSONFormat, indent: String) {
    switch self {
    case .null: out += "null"
    case .bool(let value): out += value ? "true" : "false"
    case .int(let value): out += String(value)
    case .double(let value): out += format.number(value)
    case .string(let value): format.escaping.write(value, to: &out)
    case .array(let elements):
      let oneLine = format.scalarArraysOnOneLine && elements.allSatisfy(\.isScalar)
      Self.writeList(elements, "[", "]", oneLine: oneLine, format: format, indent: indent, to: &out) {
        element, out, inner in
        element.write(to: &out, format: format, indent: inner)
      }
    case .object(let members):
      let ordered = format.sortedKeys ? members.sorted { $0.key < $1.key } : members
      Self.writeList(ordered, "{", "}", oneLine: false, format: format, indent: indent, to: &out) {
        member, out, inner in
        format.escaping.write(member.key, to: &out)
        out += format.indented ? ": " : ":"
        member.value.write(to: &out, format: format, indent: inner)
      }
    }
  }

  /// Writes `items` between `open` and `close` with `writeItem` (which gets the
  /// items' indent): one item a line when indented, else on one line, items
  /// separated by `", "` when indented and `","` when compact.
  private static func writeList<Item>(
    _ items: [Item], _ open: String, _ close: String, oneLine: Bool, format: JSONFormat, indent: String,
    to out: inout String, item writeItem: (Item, inout String, String) -> Void
  ) {
    let inner = indent + "  "
    out += open
    if format.indented, !oneLine, !items.isEmpty {
      for (index, item) in items.enumerated() {
        out += (index == 0 ? "\n" : ",\n") + inner
        writeItem(item, &out, inner)
      }
      out += "\n" + indent
    } else {
      for (index, item) in items.enumerated() {
        if index > 0 { out += format.indented ? ", " : "," }
        writeItem(item, &out, inner)
      }
    }
    out += close
  }

  /// True for null, booleans, numbers and strings.
  private var isScalar: Bool {
    switch self {
    case .array, .object: false
    default: true
    }
  }
}
