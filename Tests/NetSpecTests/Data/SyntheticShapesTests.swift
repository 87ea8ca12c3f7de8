import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// The `shapes` segmentation task: images whose bright pixels are exactly
/// the masked ones, a rectangle and a disc in each, the same for a seed.
@Suite struct SyntheticShapesTests {
  @Test func masksMarkTheShapesPixels() {
    var random = RandomGenerator(seed: 3)
    let data = SyntheticTasks.shapes(20, size: 12, classes: 3, random: &random)
    #expect(data.count == 20 && data.inputShape == [1, 12, 12] && data.labelShape == [12, 12])
    for (value, label) in zip(data.inputs, data.labels) {
      #expect(label == 0 ? value < 0.3 : value >= 0.6 && value < 0.9)
    }
    for sample in 0..<20 {
      let mask = data.labels[(sample * 144)..<((sample + 1) * 144)]
      #expect(mask.contains(2), "every image holds a disc")
      #expect(mask.contains(0), "and background")
    }
    #expect(data.labels.contains(1))
    var again = RandomGenerator(seed: 3)
    #expect(SyntheticTasks.shapes(20, size: 12, classes: 3, random: &again).inputs == data.inputs)
  }

  @Test func twoClassesMarkEitherShapeAsOne() {
    var random = RandomGenerator(seed: 4)
    let data = SyntheticTasks.shapes(5, size: 8, classes: 2, random: &random)
    #expect(Set(data.labels) == [0, 1])
  }

  @Test func aSpecDecodesTheTask() throws {
    let decoded = try decodeSection(
      "data", "data: {train: {synthetic: {task: shapes, samples: 10, size: 16}}}", path: sectionSpecPath,
      DataSpec.decode)
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    guard case .synthetic(let task)? = decoded.value?.train.format else { throw HarnessError("not synthetic") }
    #expect(task.task == .shapes && task.length == 16 && task.classes == 3 && task.vocab == nil)
  }
}
