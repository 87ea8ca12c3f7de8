import ArgumentParser

/// `netspec version`: the same line as `netspec --version`.
struct Version: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Print the version of netspec.")

  func run() {
    print(NetSpecCommand.version)
  }
}
