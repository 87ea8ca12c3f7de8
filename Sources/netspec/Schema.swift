import ArgumentParser
import NetSpec

/// `netspec schema`: the JSON Schema of the spec language, for editors and CI.
struct Schema: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the JSON Schema (draft 2020-12) of the spec language.",
    discussion: """
      Generated from the op registry, so it lists exactly the ops and attributes this \
      build knows. Save it and point your editor at it; see docs/CI.md.
      """)

  func run() {
    print(JSONSchemaExporter.schema.serialized(.prettySorted), terminator: "")
  }
}
