import ONNXProto

/// The spec's identity in an exported model: its description as the model's
/// `doc_string`, and `metadata_props` `netspec.name`, `netspec.description`
/// and `netspec.format_version` (the spec's `netspec:` version).
enum ONNXMetadata {
  static func describe(_ model: inout Onnx_ModelProto, _ spec: CheckedSpec) {
    let document = spec.document
    if let description = document.description { model.docString = description }
    var entries: [(String, String)] = []
    if let name = document.name { entries.append(("netspec.name", name)) }
    if let description = document.description { entries.append(("netspec.description", description)) }
    entries.append(("netspec.format_version", String(document.version)))
    model.metadataProps = entries.map { key, value in
      var entry = Onnx_StringStringEntryProto()
      entry.key = key
      entry.value = value
      return entry
    }
  }
}
