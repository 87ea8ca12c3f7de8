import NetSpecRuntime
import Testing

@testable import NetSpec

/// The `waveform` synthetic task: mu-law classes of two-sine waveforms, each
/// label the next input (next-sample prediction).
@Suite struct SyntheticWaveformTests {
  @Test func labelsAreTheNextSamplesInRange() {
    var random = RandomGenerator(seed: 11)
    let data = SyntheticTasks.waveform(5, length: 40, levels: 256, random: &random)
    #expect(data.count == 5 && data.inputShape == [40] && data.labelShape == [40])
    #expect(data.inputs.count == 200 && data.labels.count == 200)
    #expect(data.inputs.allSatisfy { $0 >= 0 && $0 < 256 && $0 == $0.rounded() })
    for sample in 0..<5 {
      let inputs = data.inputs[(sample * 40)..<(sample * 40 + 40)]
      let labels = data.labels[(sample * 40)..<(sample * 40 + 40)]
      #expect(Array(inputs.dropFirst()) == Array(labels.dropLast()))
      // A waveform, not noise: neighbouring samples are close and it swings.
      #expect(Set(inputs).count > 10)
    }
  }

  @Test func muLawQuantizesTheMiddleToTheMiddleClass() {
    // Companding keeps 0 at the middle class: with 3 levels (mu 2), values
    // near 0 map to class 1, and the extremes of a sum below 1 stay inside.
    var random = RandomGenerator(seed: 1)
    let data = SyntheticTasks.waveform(50, length: 20, levels: 3, random: &random)
    #expect(Set(data.inputs + data.labels).isSubset(of: [0, 1, 2]))
    #expect(data.inputs.contains(1))
  }

  @Test func theDataSectionDeclaresItWith256LevelsByDefault() throws {
    let decoded = try decodeSection(
      "data", "data: {train: {synthetic: {task: waveform, samples: 4, length: 8}}}", DataSpec.decode)
    #expect(decoded.diagnostics.isEmpty)
    guard case .synthetic(let task) = decoded.value?.train.format else {
      Issue.record("not a synthetic source")
      return
    }
    #expect(task.task == .waveform && task.vocab == 256 && task.length == 8)
  }
}
