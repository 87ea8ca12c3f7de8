import PackagePlugin

/// Placeholder: replaced by the plugin helper.
@main struct NetSpecCompile: BuildToolPlugin {
  func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] { [] }
}
