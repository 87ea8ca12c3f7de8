import ArgumentParser
import NetSpec
import NetSpecDiagnostics

/// `netspec ops [NAME]`: the op reference, from the registry.
struct Ops: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List the ops, or show one op's attributes.")

  @Argument(help: "An op to describe (default: list all ops).", completion: .list(OpRegistry.names))
  var name: String?

  @Flag(help: "Print the whole reference as Markdown (docs/OPS.md).")
  var markdown = false

  func run() throws {
    if markdown {
      print(OpReference.markdown(), terminator: "")
      return
    }
    guard let name else {
      let schemas = OpRegistry.all.map { $0.schema }
      let width = schemas.map(\.name.count).max() ?? 0
      for schema in schemas {
        print(schema.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + schema.summary)
      }
      return
    }
    guard let op = OpRegistry.op(named: name) else {
      let hint = Suggestions.didYouMean(name, in: OpRegistry.names).map { " (\($0))" } ?? ""
      throw ValidationError("unknown op `\(name)`\(hint); `netspec ops` lists them")
    }
    print(OpReference.section(op), terminator: "")
  }
}
