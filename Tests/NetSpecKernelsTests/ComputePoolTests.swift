import NetSpecKernels
import Synchronization
import Testing

@Suite("ComputePool")
struct ComputePoolTests {
  @Test("Every task runs exactly once", arguments: [1, 2, 3], [0, 1, 2, 5, 64])
  func tasksRunOnce(threads: Int, tasks: Int) {
    let pool = ComputePool(threadCount: threads)
    let counts = Mutex([Int](repeating: 0, count: tasks))
    for _ in 0..<100 {
      pool.parallelFor(tasks) { task in
        counts.withLock { $0[task] += 1 }
      }
    }
    #expect(counts.withLock { $0 } == [Int](repeating: 100, count: tasks))
  }

  @Test("Tasks run on different threads at the same time")
  func usesWorkers() {
    let pool = ComputePool(threadCount: 2)
    let started = Atomic<Int>(0)
    let metTheOther = Atomic<Int>(0)
    pool.parallelFor(2) { _ in
      // Run sequentially, the first task would wait here until the deadline.
      started.add(1, ordering: .relaxed)
      let deadline = ContinuousClock.now + .seconds(5)
      while started.load(ordering: .relaxed) < 2 && ContinuousClock.now < deadline {}
      if started.load(ordering: .relaxed) == 2 { metTheOther.add(1, ordering: .relaxed) }
    }
    #expect(metTheOther.load(ordering: .relaxed) == 2)
  }

  @Test("Concurrent callers are serialized, parked workers wake up")
  func concurrentCallers() async {
    let pool = ComputePool(threadCount: 2)
    let total = Counter()
    await withTaskGroup(of: Void.self) { group in
      for caller in 0..<4 {
        group.addTask {
          for round in 0..<50 {
            if round % 10 == caller { try? await Task.sleep(for: .milliseconds(3)) }
            pool.parallelFor(3) { _ in total.value.add(1, ordering: .relaxed) }
          }
        }
      }
    }
    #expect(total.value.load(ordering: .relaxed) == 4 * 50 * 3)
  }

  @Test("Pools shut their workers down when released")
  func release() {
    for _ in 0..<20 {
      let pool = ComputePool(threadCount: 2)
      pool.parallelFor(2) { _ in }
    }
  }

  @Test("The shared pool has one thread per processor")
  func shared() {
    #expect(ComputePool.shared.threadCount == ComputePool.processorCount)
    #expect(ComputePool.processorCount >= 1)
  }
}

final class Counter: Sendable {
  let value = Atomic<Int>(0)
}
