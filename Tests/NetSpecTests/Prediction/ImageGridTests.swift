import CZlib
import Foundation
import NetSpecDiagnostics
import NetSpecRuntime
import Testing

@testable import NetSpec

/// `netspec predict --grid`: the PNG holds one cell per image, each input
/// above its reconstruction, with the grey levels of the model's outputs;
/// `--decode` draws the outputs of standard normal latents; misuse is a
/// clear error.
@Suite struct ImageGridTests {
  /// An autoencoder of 3x3 images through a latent sample of 2.
  static let spec = """
    netspec: 1
    inputs: {x: [N, 9]}
    layers:
      - dense: {units: 2, name: mu}
      - dense: {units: 2, from: x, name: logvar}
      - gaussian_sample: {from: [mu, logvar], name: z}
      - dense: {units: 9, name: logits}
    train:
      loss:
        - {binary_cross_entropy: {from: logits, target: x, weight: 9}}
        - {kl_divergence: {from: [mu, logvar]}}
    """

  static let samples = "0,0.5,1,0.2,0.4,0.6,1,0,1\n1,1,0,0,0.25,0.75,0,0,0\n0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9\n"

  /// The folder with the spec, its seeded initial weights and three samples.
  func fixture(_ yaml: String = spec) throws -> (CLIFolder, CheckedSpec) {
    let folder = try CLIFolder()
    try folder.write("ae.yaml", yaml)
    try folder.write("samples.csv", Self.samples)
    let checked = try InlineSpec.check(yaml, path: folder.url.appendingPathComponent("ae.yaml").path)
    let plan = try Planner.plan(checked.graph, capacity: 1, training: false)
    try Checkpoint.write(
      Interpreter(plan: plan, seed: 5), to: folder.url.appendingPathComponent("w.safetensors").path, metadata: [:])
    return (folder, checked)
  }

  /// The picture in a greyscale PNG: its size and pixels.
  static func decodePNG(_ bytes: [UInt8]) throws -> (width: Int, height: Int, pixels: [UInt8]) {
    #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    func integer(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
    var (width, height, compressed, at) = (0, 0, [UInt8](), 8)
    while at + 8 <= bytes.count {
      let length = integer(at)
      let type = String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self)
      let data = Array(bytes[(at + 8)..<(at + 8 + length)])
      if type == "IHDR" {
        (width, height) = (integer(at + 8), integer(at + 12))
        #expect(Array(data[8..<13]) == [8, 0, 0, 0, 0], "8-bit greyscale")
      }
      if type == "IDAT" { compressed += data }
      at += 12 + length
    }
    var size = uLong(height * (width + 1))
    var rows = [UInt8](repeating: 0, count: Int(size))
    let status = uncompress(&rows, &size, compressed, uLong(compressed.count))
    try #require(status == Z_OK && Int(size) == rows.count)
    var pixels: [UInt8] = []
    for y in 0..<height {
      #expect(rows[y * (width + 1)] == 0, "filter none")
      pixels += rows[(y * (width + 1) + 1)..<((y + 1) * (width + 1))]
    }
    return (width, height, pixels)
  }

  /// The grey level of value (row, column) of cell `index` in a grid of `grid`'s layout.
  static func pixel(_ png: (width: Int, height: Int, pixels: [UInt8]), _ grid: ImageGrid, cell: Int, _ r: Int, _ c: Int)
    -> UInt8
  {
    let origin = grid.origin(of: cell)
    return png.pixels[(origin.y + r * grid.scale) * png.width + origin.x + c * grid.scale]
  }

  @Test func reconstructionsSitBelowTheirInputs() throws {
    let (folder, checked) = try fixture()
    let run = try folder.run(
      "predict", "ae.yaml", "--weights", "w.safetensors", "--input", "samples.csv", "--grid", "grid.png",
      "--grid-columns", "2")
    #expect(run.status == 0, "\(run)")
    #expect(run.stderr.contains("wrote grid.png: 3 images"))
    let png = try Self.decodePNG(Array(try Data(contentsOf: folder.url.appendingPathComponent("grid.png"))))
    // Two columns: inputs 0 and 1, their reconstructions, input 2, its reconstruction.
    let layout = ImageGrid(
      images: [[Float]?](repeating: nil, count: 8), imageHeight: 3, imageWidth: 3, columns: 2)
    #expect((png.width, png.height) == (layout.width, layout.height))
    #expect(layout.rows == 4 && layout.width == 2 + 2 * (6 + 2) && layout.height == 2 + 4 * (6 + 2))
    let predictions = try Predictor.predict(
      checked, weights: folder.url.appendingPathComponent("w.safetensors").path,
      input: folder.url.appendingPathComponent("samples.csv").path)
    let inputs = Self.samples.split(separator: "\n").map { $0.split(separator: ",").map { Float(String($0))! } }
    for (sample, cells) in [(0, (0, 2)), (1, (1, 3)), (2, (4, 6))] {
      let outputs = Array(predictions.outputs(of: sample))
      for k in 0..<9 {
        #expect(Self.pixel(png, layout, cell: cells.0, k / 3, k % 3) == ImageGrid.level(inputs[sample][k]))
        let probability = 1 / (1 + exp(-outputs[k]))
        #expect(Self.pixel(png, layout, cell: cells.1, k / 3, k % 3) == ImageGrid.level(probability))
      }
    }
    // The cells beside sample 2 are empty.
    #expect(Self.pixel(png, layout, cell: 5, 0, 0) == ImageGrid.background)
    #expect(Self.pixel(png, layout, cell: 7, 2, 2) == ImageGrid.background)
  }

  @Test func decodedSamplesComeFromTheLayersAfterTheLatent() throws {
    let (folder, checked) = try fixture()
    let run = try folder.run(
      "predict", "ae.yaml", "--weights", "w.safetensors", "--decode", "z", "--samples", "5", "--seed", "3",
      "--grid", "samples.png", "--grid-columns", "4")
    #expect(run.status == 0, "\(run)")
    let png = try Self.decodePNG(Array(try Data(contentsOf: folder.url.appendingPathComponent("samples.png"))))
    let layout = ImageGrid(
      images: [[Float]?](repeating: nil, count: 5), imageHeight: 3, imageWidth: 3, columns: 4)
    #expect((png.width, png.height) == (layout.width, layout.height) && layout.rows == 2)
    let weights = folder.url.appendingPathComponent("w.safetensors").path
    let decoded = try Predictor.decode(checked, weights: weights, from: "z", samples: 5, seed: 3)
    // By hand: logits = W z + b on the same draws.
    let file = try SafetensorsFile(contentsOf: weights)
    let w = try #require(file.tensors.first { $0.name == "logits.weight" }).values
    let b = try #require(file.tensors.first { $0.name == "logits.bias" }).values
    var random = RandomGenerator(seed: 3, stream: Predictor.decodingStream)
    for sample in 0..<5 {
      let z = [random.nextGaussian(), random.nextGaussian()]
      for k in 0..<9 {
        let logit = w[2 * k] * z[0] + w[2 * k + 1] * z[1] + b[k]
        #expect(abs(decoded.outputs(of: sample)[sample * 9 + k] - logit) < 1e-5)
        #expect(Self.pixel(png, layout, cell: sample, k / 3, k % 3) == ImageGrid.level(1 / (1 + exp(-logit))))
      }
    }
    let again = try Predictor.decode(checked, weights: weights, from: "z", samples: 5, seed: 3)
    #expect(again.outputs == decoded.outputs)
  }

  @Test func misuseIsAClearError() throws {
    let (folder, _) = try fixture()
    let base = ["predict", "ae.yaml", "--weights", "w.safetensors"]
    let svg = try folder.run(base + ["--input", "samples.csv", "--grid", "grid.svg"])
    #expect(svg.status == 2 && svg.stderr.contains("--grid writes a PNG file"), "\(svg)")
    let unknown = try folder.run(base + ["--decode", "zz", "--grid", "g.png"])
    #expect(unknown.status == 1 && unknown.stderr.contains("no layer `zz`") && unknown.stderr.contains("`z`"))
    let both = try folder.run(base + ["--decode", "z", "--input", "samples.csv"])
    #expect(both.status == 2 && both.stderr.contains("leave out --input"), "\(both)")
    // Decoding from `mu`: `logvar` comes after it but reads the input.
    let crossing = try folder.run(base + ["--decode", "mu", "--grid", "g.png"])
    #expect(crossing.status == 1 && crossing.stderr.contains("`logvar` comes after `mu` but reads `x`"), "\(crossing)")
    #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("g.png").path))
  }

  @Test func outputsThatAreNotImagesAreRefused() throws {
    let yaml = """
      netspec: 1
      inputs: {x: [N, 9]}
      layers:
        - dense: {units: 3, name: logits}
      train: {loss: cross_entropy}
      """
    let (folder, _) = try fixture(yaml)
    let run = try folder.run(
      "predict", "ae.yaml", "--weights", "w.safetensors", "--input", "samples.csv", "--grid", "grid.png")
    #expect(run.status == 1 && run.stderr.contains("has shape [3] per sample"), "\(run)")
  }
}
