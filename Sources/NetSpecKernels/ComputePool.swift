#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A tiny fork-join thread pool for CPU kernels: the calling thread plus
/// `threadCount - 1` persistent worker threads.
///
/// Dispatch is cheap (about a microsecond for a round trip when the workers are
/// awake) because workers poll the job slot for a millisecond after each job
/// before parking on a condition variable. Tasks are handed out one at a time from
/// a shared counter, so uneven tasks balance themselves.
///
/// The pool needs nothing but POSIX threads (no atomics module), so the emitted
/// runtime, which carries this file, imports Foundation alone: every shared field
/// is guarded by one mutex, which the busy paths take by spinning on
/// `pthread_mutex_trylock` and never by sleeping in the kernel.
///
/// Calls into one pool are serialized: a second thread calling ``parallelFor(_:_:)``
/// while a job runs waits for it. The pool is not reentrant: calling
/// ``parallelFor(_:_:)`` (or a kernel that uses this pool) from inside a task of the
/// same pool deadlocks.
public final class ComputePool: @unchecked Sendable {
  /// The pool all kernels share by default: `NETSPEC_THREADS` threads when that
  /// environment variable holds a count from 1 to ``maxThreadCount`` (as
  /// `OMP_NUM_THREADS` is for PyTorch), else one per online processor. It is
  /// created at its first use, so the variable must be set before any kernel runs.
  public static let shared = ComputePool(threadCount: requestedThreadCount ?? processorCount)

  /// The most threads a pool is given from `NETSPEC_THREADS` or `--threads`.
  public static let maxThreadCount = 256

  /// The thread count `NETSPEC_THREADS` asks for; nil when it is unset, or is
  /// not a whole number from 1 to ``maxThreadCount`` (``threadCountError``
  /// says which).
  public static var requestedThreadCount: Int? {
    guard let text = getenv("NETSPEC_THREADS").map({ String(cString: $0) }), let count = Int(text),
      (1...maxThreadCount).contains(count)
    else { return nil }
    return count
  }

  /// Why `NETSPEC_THREADS` cannot be used, or nil when it is unset or valid.
  public static var threadCountError: String? {
    guard let text = getenv("NETSPEC_THREADS").map({ String(cString: $0) }), requestedThreadCount == nil else {
      return nil
    }
    return "NETSPEC_THREADS must be a whole number from 1 to \(maxThreadCount), not `\(text)`"
  }

  /// The number of online processors (at least 1).
  public static var processorCount: Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
  }

  /// Threads that run tasks, counting the caller: 1 means everything runs inline.
  public let threadCount: Int

  private let state: PoolState
  private let callers = PoolMutex()
  private let threads: [pthread_t]
  /// Per-thread packing buffers for kernels; index `i` belongs to task `i` of a job
  /// whose task count is at most ``threadCount``.
  let workspaces: [KernelWorkspace]
  /// Scratch that one kernel call holds across its jobs (``CallScratch``).
  let callScratch = CallScratch()
  /// Per kernel shape, whether the threads beat the caller alone (ThreadChoice.swift).
  let threadChoices = ThreadChoices()

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
    callers.lock()
    defer { callers.unlock() }
    if taskCount <= 1 || threadCount == 1 {
      for task in 0..<taskCount { body(task) }
    } else {
      withoutActuallyEscaping(body) { state.run(taskCount: taskCount, workers: threadCount - 1, $0) }
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
/// Every stored property is written only with `mutex` held, and read with it
/// held, except `taskCount` and `body`, which a worker reads while it runs a
/// job: they are written before the job is published and cleared only after
/// every worker checked out.
private final class PoolState: @unchecked Sendable {
  private let mutex = PoolMutex()
  private let wakeUp = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  /// Bumped by the caller to publish a job; a negative value means shut down.
  private var generation = 0
  /// The next task index to hand out.
  private var nextTask = 0
  private var taskCount = 0
  private var body: ((Int) -> Void)?
  /// Workers that have not yet finished the current job.
  private var busyWorkers = 0
  /// Workers parked on `wakeUp`.
  private var sleepers = 0

  /// How long an idle worker polls before parking, in nanoseconds.
  private static let spinNanoseconds = 1_000_000

  init() {
    pthread_cond_init(wakeUp, nil)
  }

  deinit {
    pthread_cond_destroy(wakeUp)
    wakeUp.deallocate()
  }

  /// Publishes a job, runs tasks on the calling thread too, and returns once
  /// every worker checked out. The caller takes task 0 as it publishes, and
  /// the last claim of each thread doubles as its check-out, so a two-task job
  /// takes the mutex about four times in all.
  func run(taskCount: Int, workers: Int, _ body: @escaping (Int) -> Void) {
    let wakeWorkers = mutex.withSpinLock {
      self.taskCount = taskCount
      self.body = body
      nextTask = 1
      busyWorkers = workers
      generation += 1
      return sleepers > 0
    }
    if wakeWorkers { pthread_cond_broadcast(wakeUp) }
    var task = 0
    var backoff = Backoff()
    while true {
      if task < taskCount { body(task) } else { backoff.pause() }
      let (next, finished) = mutex.withSpinLock {
        let next = claimTaskLocked()
        return (next, next >= taskCount && finishIfIdle())
      }
      if finished { return }
      task = next
    }
  }

  /// With the mutex held: whether every worker checked out, and if so, drops
  /// the job's closure.
  private func finishIfIdle() -> Bool {
    guard busyWorkers == 0 else { return false }
    body = nil
    return true
  }

  func shutDown() {
    mutex.lock()
    generation = -1
    mutex.unlock()
    pthread_cond_broadcast(wakeUp)
  }

  func workerLoop() {
    var seen = 0
    while true {
      let (generation, first) = waitForJob(after: seen)
      if generation < 0 { return }
      seen = generation
      // `taskCount` and `body` are written before the job is published and
      // cleared only after every worker checked out, so reading them without
      // the mutex here does not race.
      var task = first
      while task < taskCount {
        runTask(task)
        task = mutex.withSpinLock { claimOrCheckOutLocked() }
      }
    }
  }

  /// Runs one task of the published job. The job's closure is only borrowed
  /// from the caller, so the worker's reference to it ends with this call,
  /// before the worker checks out.
  @inline(never)
  private func runTask(_ task: Int) { body!(task) }

  /// With the mutex held: the next task index (at least `taskCount` when none is left).
  private func claimTaskLocked() -> Int {
    defer { nextTask += 1 }
    return nextTask
  }

  /// With the mutex held: a worker's next task, checking the worker out of the
  /// job when none is left.
  private func claimOrCheckOutLocked() -> Int {
    let task = claimTaskLocked()
    if task >= taskCount { busyWorkers -= 1 }
    return task
  }

  /// Polls, then parks, until the generation differs from `seen`; returns it
  /// and, unless it means shut down, the first task the worker claimed in the
  /// same hold of the mutex.
  private func waitForJob(after seen: Int) -> (generation: Int, task: Int) {
    let start = monotonicNanoseconds()
    var backoff = Backoff()
    while true {
      let found = mutex.withSpinLock { generation == seen ? nil : published() }
      if let found { return found }
      backoff.pause()
      if backoff.spins & 15 == 0 && monotonicNanoseconds() - start > Self.spinNanoseconds { break }
    }
    mutex.lock()
    defer { mutex.unlock() }
    sleepers += 1
    while generation == seen { pthread_cond_wait(wakeUp, mutex.raw) }
    sleepers -= 1
    return published()
  }

  /// With the mutex held: the new generation and the first task claimed from it.
  private func published() -> (generation: Int, task: Int) {
    (generation, generation < 0 ? 0 : claimOrCheckOutLocked())
  }
}

/// A POSIX mutex that busy paths take by spinning on `pthread_mutex_trylock`, so a
/// contended hand-off costs a few compare-and-swaps rather than a futex sleep and
/// wake-up; ``lock()`` blocks as usual, for paths that may wait long.
final class PoolMutex: @unchecked Sendable {
  let raw = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

  init() { pthread_mutex_init(raw, nil) }

  deinit {
    pthread_mutex_destroy(raw)
    raw.deallocate()
  }

  func lock() { pthread_mutex_lock(raw) }

  func unlock() { pthread_mutex_unlock(raw) }

  /// Runs `body` with the mutex held, taken by spinning.
  func withSpinLock<T>(_ body: () -> T) -> T {
    var backoff = Backoff()
    while pthread_mutex_trylock(raw) != 0 { backoff.pause() }
    defer { pthread_mutex_unlock(raw) }
    return body()
  }
}

/// Waiting between polls of shared state. Polls are spaced out by about 100 ns
/// spent reading the clock (~40 ns a read through the vDSO), without touching
/// shared memory, so that a poller does not keep pulling the mutex's cache line
/// away from the thread that is about to take it. After a few microseconds every
/// poll also yields the processor, so when the OS puts the waiting thread on the
/// same core as the thread it waits for, that thread runs instead of waiting for
/// a time slice.
private struct Backoff {
  private(set) var spins = 0

  mutating func pause() {
    spins += 1
    if spins > 32 {
      sched_yield()
    } else {
      let end = monotonicNanoseconds() + 100
      while monotonicNanoseconds() < end {}
    }
  }
}

func monotonicNanoseconds() -> Int {
  var time = timespec()
  clock_gettime(CLOCK_MONOTONIC, &time)
  return time.tv_sec * 1_000_000_000 + time.tv_nsec
}
