import NetSpecDiagnostics

/// Rejoins a plain scalar that a comma inside parentheses split in a flow
/// collection: YAML ends a plain scalar at every `,` of `{groups: max(1, $c // 4)}`,
/// which libyaml reads as `groups: "max(1"` and a key `$c // 4)` without a value.
///
/// A plain scalar with more `(` than `)` takes in the items after it, each with
/// the comma before it, until its parentheses balance: in a flow sequence any
/// plain scalars, in a flow mapping keys written without a value (no `:`). The
/// rejoined scalar's text is its source text (line breaks and tabs as spaces),
/// so positions within it stay those of the file. Items that cannot continue it
/// (a nested collection, a quoted scalar, a key with a value) end the rejoining,
/// and the unbalanced text is left to whoever reads it.
enum FlowParentheses {
  /// `children` of a flow collection (for a mapping, keys and values
  /// alternately) with split scalars rejoined.
  static func rejoin(_ children: [YAMLNode], isMapping: Bool, file: SourceFile) -> [YAMLNode] {
    guard children.contains(where: { depth(of: $0) > 0 }) else { return children }
    let stride = isMapping ? 2 : 1
    var result: [YAMLNode] = []
    var i = 0
    while i < children.count {
      if isMapping, i + 1 < children.count {
        result.append(children[i])
        i += 1
      }
      var node = children[i]
      i += 1
      var open = depth(of: node)
      var end = node.span.end.offset
      while open > 0, i + stride - 1 < children.count, let piece = continuation(children, at: i, isMapping: isMapping) {
        open += balance(piece.value)
        end = piece.span.end.offset
        i += stride
      }
      if end != node.span.end.offset, case .scalar(var scalar) = node, scalar.span.start.offset < end,
        end <= file.bytes.count
      {
        let start = scalar.span.start.offset
        scalar.value = String(
          decoding: file.bytes[start..<end].map { $0 == 0x0A || $0 == 0x0D || $0 == 0x09 ? 0x20 : $0 },
          as: UTF8.self)
        scalar.span = SourceSpan(file: file, from: start, to: end)
        node = .scalar(scalar)
      }
      result.append(node)
    }
    return result
  }

  /// The plain scalar at `index` that can continue a split one: any plain
  /// scalar in a sequence; in a mapping, a plain key followed by an empty value.
  private static func continuation(_ children: [YAMLNode], at index: Int, isMapping: Bool) -> YAMLScalar? {
    guard case .scalar(let scalar) = children[index], scalar.style == .plain, !scalar.value.isEmpty else {
      return nil
    }
    guard isMapping else { return scalar }
    guard case .scalar(let value) = children[index + 1], value.style == .plain, value.value.isEmpty else {
      return nil
    }
    return scalar
  }

  /// Unclosed `(` of a plain scalar (0 for other nodes).
  private static func depth(of node: YAMLNode) -> Int {
    guard case .scalar(let scalar) = node, scalar.style == .plain else { return 0 }
    return balance(scalar.value)
  }

  private static func balance(_ text: String) -> Int {
    var open = 0
    for byte in text.utf8 {
      if byte == UInt8(ascii: "(") { open += 1 } else if byte == UInt8(ascii: ")") { open -= 1 }
    }
    return open
  }
}
