import NetSpecDiagnostics
import Testing

@testable import NetSpec

private func generate(
  _ task: SyntheticData.Task, samples: Int = 200, length: Int = 12, vocab: Int? = 10, seed: UInt64 = 1
)
  -> Dataset
{
  let file = SourceFile(path: "t.yaml", text: "")
  let spec = SyntheticData(
    task: task, samples: samples, length: length, vocab: task == .adding ? nil : vocab,
    span: SourceSpan(file: file, from: 0, to: 0))
  var random = RandomGenerator(seed: seed)
  return SyntheticTasks.generate(spec, random: &random)
}

@Suite("Synthetic tasks")
struct SyntheticTasksTests {
  @Test func adding() {
    let data = generate(.adding, length: 9)
    #expect(data.count == 200)
    #expect(data.inputShape == [9, 2])
    #expect(data.labelShape == [1])
    for sample in 0..<data.count {
      let rows = (0..<9).map { t in (data.inputs[(sample * 9 + t) * 2], data.inputs[(sample * 9 + t) * 2 + 1]) }
      let marked = rows.indices.filter { rows[$0].1 == 1 }
      #expect(marked.count == 2)
      #expect(rows.allSatisfy { $0.1 == 0 || $0.1 == 1 })
      #expect(rows.allSatisfy { $0.0 >= 0 && $0.0 < 1 })
      #expect(marked[0] < 4 && marked[1] >= 4)
      #expect(data.labels[sample] == rows[marked[0]].0 + rows[marked[1]].0)
    }
  }

  @Test func addingOfLengthTwoMarksBoth() {
    let data = generate(.adding, samples: 5, length: 2)
    for sample in 0..<5 {
      #expect(data.inputs[sample * 4 + 1] == 1 && data.inputs[sample * 4 + 3] == 1)
    }
  }

  @Test(arguments: [SyntheticData.Task.copy, .reverse, .sort])
  func tokenTasks(_ task: SyntheticData.Task) {
    let data = generate(task, length: 12, vocab: 5)
    #expect(data.inputShape == [12])
    #expect(data.labelShape == [12])
    #expect(data.inputs.allSatisfy { $0 >= 0 && $0 < 5 && $0 == $0.rounded() })
    #expect(Set(data.inputs).count == 5)
    for sample in 0..<data.count {
      let tokens = Array(data.inputs[(sample * 12)..<((sample + 1) * 12)])
      let target = Array(data.labels[(sample * 12)..<((sample + 1) * 12)])
      switch task {
      case .copy: #expect(target == tokens)
      case .reverse: #expect(target == tokens.reversed())
      default:
        #expect(target == tokens.sorted())
        #expect(zip(target, target.dropFirst()).allSatisfy { $0 <= $1 })
      }
    }
  }

  @Test func deterministicFromTheSeed() {
    #expect(generate(.sort).inputs == generate(.sort).inputs)
    #expect(generate(.sort).inputs != generate(.sort, seed: 2).inputs)
    #expect(generate(.adding).inputs == generate(.adding).inputs)
    #expect(generate(.adding).labels != generate(.adding, seed: 2).labels)
  }
}
