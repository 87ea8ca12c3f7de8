import CYAML

/// Pulls events from libyaml's event API for one input text.
///
/// Owns the `yaml_parser_t` and a private copy of the input (libyaml keeps a
/// pointer to it) and frees both when it goes away; no libyaml pointer leaves this
/// type. Non-copyable, so the parser state cannot be shared or freed twice.
struct LibYAMLEventReader: ~Copyable {
  private let parser: UnsafeMutablePointer<yaml_parser_t>
  private let input: UnsafeMutableBufferPointer<UInt8>
  private let offsets: CharacterOffsets
  /// The byte where the text given to libyaml starts in the file.
  private let origin: Int
  /// False when libyaml could not allocate its buffers.
  private let isInitialized: Bool

  /// A reader for `bytes[origin...]`, which must be well-formed UTF-8.
  init(bytes: [UInt8], origin: Int) {
    let text = bytes[origin...]
    input = .allocate(capacity: max(text.count, 1))
    _ = input.initialize(from: text)
    parser = .allocate(capacity: 1)
    isInitialized = yaml_parser_initialize(parser) != 0
    if isInitialized { yaml_parser_set_input_string(parser, input.baseAddress, text.count) }
    offsets = CharacterOffsets(bytes: bytes, origin: origin)
    self.origin = origin
  }

  deinit {
    yaml_parser_delete(parser)
    parser.deallocate()
    input.deallocate()
  }

  /// The next event. After `.streamEnd` or an error, do not call again.
  mutating func next() throws(LibYAMLError) -> YAMLEvent {
    guard isInitialized else { throw outOfMemory }
    var event = yaml_event_t()
    guard yaml_parser_parse(parser, &event) != 0 else { throw currentError() }
    defer { yaml_event_delete(&event) }
    return YAMLEvent(
      kind: kind(of: event),
      start: offsets.byteOffset(ofCharacter: event.start_mark.index),
      end: offsets.byteOffset(ofCharacter: event.end_mark.index)
    )
  }

  private func kind(of event: yaml_event_t) -> YAMLEvent.Kind {
    switch event.type {
    case YAML_STREAM_START_EVENT: return .streamStart
    case YAML_DOCUMENT_START_EVENT: return .documentStart
    case YAML_DOCUMENT_END_EVENT: return .documentEnd
    case YAML_ALIAS_EVENT: return .alias(anchor: string(event.data.alias.anchor) ?? "")
    case YAML_SCALAR_EVENT:
      let scalar = event.data.scalar
      let value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
      return .scalar(
        value: value, style: style(scalar.style),
        properties: .init(anchor: string(scalar.anchor), tag: string(scalar.tag)))
    case YAML_SEQUENCE_START_EVENT:
      let start = event.data.sequence_start
      return .sequenceStart(
        properties: .init(anchor: string(start.anchor), tag: string(start.tag)),
        isFlow: start.style == YAML_FLOW_SEQUENCE_STYLE)
    case YAML_SEQUENCE_END_EVENT: return .sequenceEnd
    case YAML_MAPPING_START_EVENT:
      let start = event.data.mapping_start
      return .mappingStart(
        properties: .init(anchor: string(start.anchor), tag: string(start.tag)),
        isFlow: start.style == YAML_FLOW_MAPPING_STYLE)
    case YAML_MAPPING_END_EVENT: return .mappingEnd
    default: return .streamEnd  // YAML_STREAM_END_EVENT (YAML_NO_EVENT is never returned)
    }
  }

  private func style(_ style: yaml_scalar_style_t) -> YAMLScalar.Style {
    switch style {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
    case YAML_LITERAL_SCALAR_STYLE: .literal
    case YAML_FOLDED_SCALAR_STYLE: .folded
    default: .plain
    }
  }

  private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
    pointer.map { String(cString: $0) }
  }

  private func currentError() -> LibYAMLError {
    let p = parser.pointee
    let problem = p.problem.map { String(cString: $0) } ?? "the YAML text cannot be parsed"
    switch p.error {
    case YAML_READER_ERROR:
      return LibYAMLError(
        stage: .reader, problem: problem, problemOffset: origin + p.problem_offset,
        problemValue: Int(p.problem_value))
    case YAML_SCANNER_ERROR, YAML_PARSER_ERROR:
      let context = p.context.map { String(cString: $0) }
      return LibYAMLError(
        stage: p.error == YAML_SCANNER_ERROR ? .scanner : .parser, problem: problem,
        problemOffset: offsets.byteOffset(ofCharacter: p.problem_mark.index),
        context: context,
        contextOffset: context == nil ? nil : offsets.byteOffset(ofCharacter: p.context_mark.index))
    default:
      return outOfMemory
    }
  }

  private var outOfMemory: LibYAMLError {
    LibYAMLError(stage: .memory, problem: "out of memory while parsing YAML", problemOffset: origin)
  }
}
