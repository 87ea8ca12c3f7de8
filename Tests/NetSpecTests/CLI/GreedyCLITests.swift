import Foundation
import Testing

@testable import NetSpec

/// `netspec predict --greedy` on a copy of Examples/seq2seq_reverse.yaml
/// reduced to sequences of 4 tokens and trained one epoch: the encoder's
/// input file alone, CSV or NPY tokens out, and refusals of what it cannot do.
@Suite("netspec predict --greedy", .serialized)
struct GreedyCLITests {
  @Test func decodesTheEncoderInputsAlone() throws {
    let folder = try CLIFolder()
    let example = ExampleSpec.path("seq2seq_reverse.yaml")
    try folder.write("reverse.yaml", try String(contentsOfFile: example, encoding: .utf8))
    let reduced = ["--set", "dim=4", "--set", "hidden=8", "--set", "samples=32", "--set", "length=4", "--no-expect"]
    let train = try folder.run(["train", "reverse.yaml", "-o", "run", "--epochs", "1"] + reduced)
    #expect(train.status == 0, "\(train)")
    try NPYWriting.write([1, 2, 3, 4, 5, 6, 7, 8], shape: [2, 4], to: folder.url.appendingPathComponent("d.npy").path)
    let predict = ["predict", "reverse.yaml", "--weights", "run/weights.safetensors"] + reduced
    let csv = try folder.run(predict + ["--greedy", "--input", "digits=d.npy"])
    #expect(csv.status == 0, "\(csv)")
    let lines = csv.stdout.split(separator: "\n")
    #expect(lines.count == 3 && lines[0] == "sample,tokens", "\(csv.stdout)")
    #expect(lines.dropFirst().allSatisfy { $0.split(separator: ",")[1].split(separator: " ").count == 4 })
    let npy = try folder.run(predict + ["--greedy", "--input", "d.npy", "-o", "tokens.npy"])
    #expect(npy.status == 0, "\(npy)")
    let file = try NPYReader.read(Array(Data(contentsOf: folder.url.appendingPathComponent("tokens.npy"))))
    #expect(file.shape == [2, 4])
    let printed = lines.dropFirst().map { $0.split(separator: ",")[1] }.joined(separator: " ")
    #expect(file.values.map { String(Int($0)) }.joined(separator: " ") == printed)

    let fed = try folder.run(predict + ["--greedy", "--input", "digits=d.npy", "--input", "previous=d.npy"])
    #expect(fed.status == 1 && fed.stderr.contains("greedy decoding feeds the input `previous`"), "\(fed)")
    let both = try folder.run(predict + ["--greedy", "--decode", "encoder"])
    #expect(both.status == 2, "\(both)")
  }
}
