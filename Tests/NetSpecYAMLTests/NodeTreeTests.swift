import NetSpecDiagnostics
import NetSpecYAML
import Testing

@Suite("Node tree and spans")
struct NodeTreeTests {
  @Test func blockMappingWithNestedList() throws {
    let root = try tree(
      """
      netspec: 1
      inputs:
        image: [N, 1, 28, 28]
      layers:
        - conv2d: {filters: 6, kernel: 5}
        - tanh
      """)
    #expect(root.keys == ["netspec", "inputs", "layers"])
    #expect(
      root.shape == "{netspec: 1, inputs: {image: [N, 1, 28, 28]}, layers: [{conv2d: {filters: 6, kernel: 5}}, tanh]}")

    let netspec = try #require(root.entry("netspec"))
    #expect(netspec.key.span.range == "1:1-1:8")
    #expect(netspec.value.span.range == "1:10-1:11")

    let inputs = try #require(root.entry("inputs"))
    #expect(inputs.key.span.at == "2:1")
    #expect(inputs.value.span.range == "3:3-3:24")
    let image = try #require(inputs.value.entry("image"))
    #expect(image.key.span.range == "3:3-3:8")
    #expect(image.value.span.range == "3:10-3:24")
    #expect(image.value[3]?.span.range == "3:21-3:23")

    let layers = try #require(root["layers"])
    #expect(layers.span.range == "5:3-6:9")
    #expect(layers[0]?.span.range == "5:5-5:36")
    let conv = try #require(layers[0]?.entry("conv2d"))
    #expect(conv.key.span.at == "5:5")
    #expect(conv.value.span.range == "5:13-5:36")
    #expect(conv.value.entry("kernel")?.key.span.at == "5:26")
    #expect(conv.value["kernel"]?.span.range == "5:34-5:35")
    #expect(layers[1]?.span.range == "6:5-6:9")
    #expect(root.span.range == "1:1-6:9")
  }

  @Test func indentlessListUnderAKey() throws {
    let root = try tree("layers:\n- relu\n- tanh\nname: x\n")
    #expect(root.shape == "{layers: [relu, tanh], name: x}")
    #expect(root["layers"]?.span.range == "2:1-3:7")
    #expect(root.entry("name")?.key.span.at == "4:1")
  }

  @Test func flowCollectionsSpanTheirBrackets() throws {
    let root = try tree("{a: [1, {b: 2}], c: []}")
    #expect(root.span.range == "1:1-1:24")
    #expect(root["a"]?.span.range == "1:5-1:16")
    #expect(root["a"]?[1]?.span.range == "1:9-1:15")
    #expect(root["c"]?.span.range == "1:21-1:23")
    #expect(root["c"]?.shape == "[]")
  }

  @Test(arguments: [
    ("a: plain text", YAMLScalar.Style.plain, "plain text", "1:4-1:14"),
    ("a: 'it''s'", .singleQuoted, "it's", "1:4-1:11"),
    ("a: \"tab\\there\"", .doubleQuoted, "tab\there", "1:4-1:15"),
    ("a: |\n  line 1\n  line 2\n\nb: 1", .literal, "line 1\nline 2\n", "1:4-3:9"),
    ("a: >\n  folded\n  text\n", .folded, "folded text\n", "1:4-3:7"),
  ])
  func scalarStylesAndValues(
    text: String, style: YAMLScalar.Style, value: String, range: String
  ) throws {
    let scalar = try #require(try tree(text)["a"]?.scalar)
    #expect(scalar.style == style)
    #expect(scalar.value == value)
    #expect(scalar.span.range == range)
  }

  @Test func nonASCIIColumnsCountCharacters() throws {
    let root = try tree("名前: \"値\"\nnote: ñandú über\n")
    let name = try #require(root.entry("名前"))
    #expect(name.key.span.range == "1:1-1:3")
    #expect(name.value.span.range == "1:5-1:8")
    #expect(name.value.span.text == "\"値\"")
    let note = try #require(root.entry("note"))
    #expect(note.value.span.range == "2:7-2:17")
    #expect(note.value.span.text == "ñandú über")
  }

  @Test func byteOffsetsSurviveLongNonASCIIText() throws {
    // Past several of the offset table's checkpoints (every 256 characters).
    let filler = String(repeating: "é", count: 1000)
    let root = try tree("a: \(filler)\nb: [x, ü, y]\n")
    let b = try #require(root["b"])
    #expect(b[2]?.span.range == "2:11-2:12")
    #expect(b[2]?.span.text == "y")
    #expect(root["a"]?.span.text == filler)
  }

  @Test func crlfLineBreaks() throws {
    let root = try tree("a: 1\r\nb:\r\n  - x\r\n")
    #expect(root.entry("b")?.key.span.at == "2:1")
    #expect(root["b"]?[0]?.span.range == "3:5-3:6")
  }

  @Test func utf8ByteOrderMarkIsSkipped() throws {
    let result = parse(bytes: [0xEF, 0xBB, 0xBF] + Array("a: 1\nb: é\n".utf8))
    let root = try result.get()
    #expect(root.keys == ["a", "b"])
    #expect(root.entry("a")?.key.span.start.offset == 3)
    #expect(root["b"]?.span.text == "é")
    #expect(root["b"]?.span.at == "2:4")
  }

  @Test func explicitDocumentMarkersAreOneDocument() throws {
    let root = try tree("%YAML 1.1\n---\na: 1\n...\n")
    #expect(root.shape == "{a: 1}")
    #expect(root.entry("a")?.key.span.at == "3:1")
  }

  @Test func aliasIsACopyWithTheAliasSpan() throws {
    let root = try tree(
      """
      base: &conv {filters: 6, kernel: 5}
      first: *conv
      """)
    let first = try #require(root["first"])
    #expect(first.shape == "{filters: 6, kernel: 5}")
    #expect(first.span.range == "2:8-2:13")
    // Inside the copy, spans point at the anchored definition.
    #expect(first.entry("kernel")?.key.span.at == "1:26")
    let scalarAlias = try tree("a: &n 3\nb: *n\n")
    #expect(scalarAlias["b"]?.scalar?.value == "3")
    #expect(scalarAlias["b"]?.span.range == "2:4-2:6")
  }

  @Test func anchorsMayBeRedefined() throws {
    let root = try tree("a: &x 1\nb: *x\nc: &x 2\nd: *x\n")
    #expect(root.shape == "{a: 1, b: 1, c: 2, d: 2}")
  }

  @Test func aliasAsAKey() throws {
    let root = try tree("k: &k name\n*k : 1\n")
    #expect(root.keys == ["k", "name"])
  }

  @Test func nullsAndEmptyValues() throws {
    let root = try tree("a:\nb: ~\nc: null\nd: ''\n")
    #expect(root["a"]?.scalar?.isNull == true)
    #expect(root["b"]?.scalar?.isNull == true)
    #expect(root["c"]?.scalar?.isNull == true)
    #expect(root["d"]?.scalar?.isNull == false)
  }

  @Test func nestingUpToTheLimitIsAccepted() throws {
    let depth = YAMLLimits.default.maxDepth
    let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    var node = try tree(text)
    var levels = 1
    while let inner = node[0] {
      node = inner
      levels += 1
    }
    #expect(levels == depth)
  }
}
