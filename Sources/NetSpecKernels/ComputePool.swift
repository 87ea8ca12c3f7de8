import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A tiny fork-join thread pool for CPU kernels: the calling thread plus
/// `threadCount - 1` persistent worker threads.
///
/// Dispatch is cheap (about a microsecond for a round trip when the workers are
/// awake) because workers spin on an atomic generation counter for a millisecond
/// after each job before parking on a condition variable. Tasks are handed out through an atomic
/// counter, so uneven tasks balance themselves.
///
/// Calls into one pool are serialized: a second thread calling ``parallelFor(_:_:)``
/// while a job runs waits for it. The pool is not reentrant: calling
/// ``parallelFor(_:_:)`` (or a kernel that uses this pool) from inside a task of the
/// same pool deadlocks.
public final class ComputePool: @unchecked Sendable {
  /// A pool with one thread per online processor, shared by all kernels by default.
  public static let shared = ComputePool(threadCount: ComputePool.processorCount)

  /// The number of online processors (at least 1).
  public static var processorCount: Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
  }

  /// Threads that run tasks, counting the caller: 1 means everything runs inline.
  public let threadCount: Int

  private let state: PoolState
  private let callers = Mutex(())
  private let threads: [pthread_t]
  /// Per-thread packing buffers for kernels; index `i` belongs to task `i` of a job
  /// whose task count is at most ``threadCount``.
  let workspaces: [KernelWorkspace]

  /// Creates a pool that runs jobs on `threadCount` threads: the caller and
  /// `threadCount - 1` new worker threads. `threadCount` must be at least 1.
  public init(threadCount: Int) {
    precondition(threadCount >= 1, "ComputePool needs at least one thread")
    self.threadCount = threadCount
    state = PoolState()
    workspaces = (0..<threadCount).map { _ in KernelWorkspace() }
    threads = (1..<threadCount).map { [state] _ in Self.startWorker(state) }
  }

  deinit {
    state.shutDown()
    for thread in threads {
      pthread_join(thread, nil)
    }
  }

  /// Runs `body(task)` for every `task` in `0..<taskCount`, spread over the pool's
  /// threads (the caller takes part), and returns when all tasks are done.
  ///
  /// Like `DispatchQueue.concurrentPerform`, `body` runs on several threads at once
  /// without being `@Sendable`, so kernels can capture raw pointers; each task must
  /// only write memory that no other task touches. With `taskCount <= 1` or a
  /// one-thread pool, everything runs inline.
  public func parallelFor(_ taskCount: Int, _ body: (_ task: Int) -> Void) {
    callers.withLock { _ in
      if taskCount <= 1 || threadCount == 1 {
        for task in 0..<taskCount { body(task) }
      } else {
        withoutActuallyEscaping(body) { state.run(taskCount: taskCount, workers: threadCount - 1, $0) }
      }
    }
  }

  private static func startWorker(_ state: PoolState) -> pthread_t {
    let context = Unmanaged.passRetained(state).toOpaque()
    #if canImport(Darwin)
      var thread: pthread_t?
    #else
      var thread = pthread_t()
    #endif
    let status = pthread_create(
      &thread, nil,
      { context in
        #if canImport(Darwin)
          let state = Unmanaged<PoolState>.fromOpaque(context).takeRetainedValue()
        #else
          let state = Unmanaged<PoolState>.fromOpaque(context!).takeRetainedValue()
        #endif
        state.workerLoop()
        return nil
      }, context)
    precondition(status == 0, "pthread_create failed with \(status)")
    #if canImport(Darwin)
      return thread!
    #else
      return thread
    #endif
  }
}

/// The shared state of a pool's job slot. Workers hold it alive while they run.
private final class PoolState: @unchecked Sendable {
  /// Bumped by the caller to publish a job; a negative value means shut down.
  private let generation = Atomic<Int>(0)
  /// The next task index to hand out.
  private let nextTask = Atomic<Int>(0)
  /// Workers that have not yet finished the current job.
  private let busyWorkers = Atomic<Int>(0)
  /// Workers parked on `wakeUp` (or about to park).
  private let sleepers = Atomic<Int>(0)
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let wakeUp = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  // Written by the caller before `generation` is bumped, read by workers after they
  // observe the bump (release/acquire), cleared after all workers checked out.
  private var taskCount = 0
  private var body: ((Int) -> Void)?

  /// How long an idle worker spins before parking, in nanoseconds.
  private static let spinNanoseconds = 1_000_000

  init() {
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(wakeUp, nil)
  }

  deinit {
    pthread_cond_destroy(wakeUp)
    pthread_mutex_destroy(mutex)
    wakeUp.deallocate()
    mutex.deallocate()
  }

  func run(taskCount: Int, workers: Int, _ body: @escaping (Int) -> Void) {
    self.taskCount = taskCount
    self.body = body
    nextTask.store(0, ordering: .relaxed)
    busyWorkers.store(workers, ordering: .relaxed)
    generation.add(1, ordering: .sequentiallyConsistent)
    if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
      pthread_mutex_lock(mutex)
      pthread_cond_broadcast(wakeUp)
      pthread_mutex_unlock(mutex)
    }
    runTasks()
    var backoff = Backoff()
    while busyWorkers.load(ordering: .acquiring) != 0 { backoff.pause() }
    self.body = nil
  }

  func shutDown() {
    pthread_mutex_lock(mutex)
    generation.store(-1, ordering: .sequentiallyConsistent)
    pthread_cond_broadcast(wakeUp)
    pthread_mutex_unlock(mutex)
  }

  func workerLoop() {
    var seen = 0
    while true {
      seen = waitForJob(after: seen)
      if seen < 0 { return }
      runTasks()
      busyWorkers.subtract(1, ordering: .releasing)
    }
  }

  private func runTasks() {
    let count = taskCount
    let body = self.body!
    while true {
      let task = nextTask.add(1, ordering: .relaxed).oldValue
      if task >= count { return }
      body(task)
    }
  }

  /// Spins, then parks, until the generation differs from `seen`; returns it.
  private func waitForJob(after seen: Int) -> Int {
    let start = monotonicNanoseconds()
    var backoff = Backoff()
    while true {
      let current = generation.load(ordering: .acquiring)
      if current != seen { return current }
      backoff.pause()
      if backoff.spins & 255 == 0 && monotonicNanoseconds() - start > Self.spinNanoseconds { break }
    }
    pthread_mutex_lock(mutex)
    sleepers.add(1, ordering: .sequentiallyConsistent)
    var current = generation.load(ordering: .sequentiallyConsistent)
    while current == seen {
      pthread_cond_wait(wakeUp, mutex)
      current = generation.load(ordering: .sequentiallyConsistent)
    }
    sleepers.subtract(1, ordering: .sequentiallyConsistent)
    pthread_mutex_unlock(mutex)
    return current
  }
}

/// Busy-waiting that turns polite after a few microseconds: from then on every poll
/// yields the processor, so when the OS puts the waiting thread on the same core as
/// the thread it waits for, that thread runs instead of waiting for a time slice.
private struct Backoff {
  private(set) var spins = 0

  mutating func pause() {
    spins += 1
    if spins > 2048 { sched_yield() }
  }
}

private func monotonicNanoseconds() -> Int {
  var time = timespec()
  clock_gettime(CLOCK_MONOTONIC, &time)
  return time.tv_sec * 1_000_000_000 + time.tv_nsec
}
