// swift-tools-version:6.0
import PackageDescription

// Trains a model that the NetSpecCompile build-tool plugin generates from
// Sources/PluginDemo/xor.netspec.yaml. Run from this directory:
//
//     swift run PluginDemo
let package = Package(
  name: "PluginDemo",
  // As NetSpec's own manifest: the plugin runs the `netspec` tool built from it.
  platforms: [.macOS(.v15)],
  dependencies: [
    // `name:` is what `package:` below refers to. Without it, that would be the
    // dependency's identity: for a path, the directory's name ("main",
    // "netspec", whatever the checkout is called), not "NetSpec".
    .package(name: "NetSpec", path: "../..")
  ],
  targets: [
    .executableTarget(
      name: "PluginDemo",
      plugins: [.plugin(name: "NetSpecCompile", package: "NetSpec")]
    )
  ]
)
