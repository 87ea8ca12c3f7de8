/// One libyaml parser event, copied out of libyaml's memory into Swift values.
/// Positions are byte offsets into the source file.
struct YAMLEvent {
  enum Kind {
    case streamStart
    case streamEnd
    case documentStart
    case documentEnd
    case alias(anchor: String)
    case scalar(value: String, style: YAMLScalar.Style, properties: NodeProperties)
    case sequenceStart(properties: NodeProperties, isFlow: Bool)
    case sequenceEnd
    case mappingStart(properties: NodeProperties, isFlow: Bool)
    case mappingEnd
  }

  /// The optional `&anchor` and `!tag` written before a node.
  struct NodeProperties {
    var anchor: String?
    /// The tag as libyaml resolved it, e.g. `tag:yaml.org,2002:str` for `!!str`.
    var tag: String?
  }

  var kind: Kind
  var start: Int
  var end: Int
}

/// libyaml's description of why it stopped.
struct LibYAMLError: Error {
  enum Stage {
    /// Decoding the text (bad encoding, control characters).
    case reader
    /// Splitting text into tokens (tabs, unterminated quotes, stray characters).
    case scanner
    /// Assembling tokens into a document structure (indentation, missing keys).
    case parser
    /// libyaml ran out of memory.
    case memory
  }

  var stage: Stage
  /// What went wrong, e.g. "found character that cannot start any token".
  var problem: String
  /// Byte offset of the problem.
  var problemOffset: Int
  /// For reader errors, the offending character or byte value.
  var problemValue: Int?
  /// What libyaml was doing, e.g. "while scanning a quoted scalar".
  var context: String?
  /// Byte offset of where that began.
  var contextOffset: Int?
}
