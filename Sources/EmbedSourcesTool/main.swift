// The executable the EmbedSources build-tool plugin runs (Plugins/EmbedSources):
//
//     EmbedSourcesTool OUTPUT [--target NAME DIRECTORY FILE...]...
//
// writes OUTPUT, a Swift file holding the text of every FILE (see
// `SourceEmbedding`), keyed by its target's NAME and its path under DIRECTORY.
// Foundation only, so it builds before anything else of the package.

import Foundation

/// Stops the build with `message` on standard error.
func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("error: EmbedSourcesTool: \(message)\n".utf8))
  exit(1)
}

var arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.popFirst() else {
  fail("usage: EmbedSourcesTool OUTPUT [--target NAME DIRECTORY FILE...]...")
}
var targets: [SourceEmbedding.Target] = []
var directory = ""
while let argument = arguments.popFirst() {
  if argument == "--target" {
    guard let name = arguments.popFirst(), let path = arguments.popFirst() else {
      fail("--target needs a name and a directory")
    }
    targets.append(SourceEmbedding.Target(name: name, files: []))
    directory = path.hasSuffix("/") ? path : path + "/"
    continue
  }
  guard !targets.isEmpty else { fail("\(argument): a file before the first --target") }
  guard argument.hasPrefix(directory) else { fail("\(argument) is not under \(directory)") }
  guard let text = try? String(contentsOfFile: argument, encoding: .utf8) else {
    fail("\(argument): cannot read it as UTF-8")
  }
  targets[targets.count - 1].files.append((String(argument.dropFirst(directory.count)), text))
}
do {
  try SourceEmbedding.render(targets).write(toFile: output, atomically: true, encoding: .utf8)
} catch {
  fail("cannot write \(output): \(error)")
}
