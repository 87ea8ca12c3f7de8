#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A kernel call's shape, as far as the choice between one thread and the pool goes:
/// which kernel (each kernel that calibrates picks its own number) and up to four
/// sizes (GEMM: m, n, k and both transposes as one number).
public struct KernelShape: Hashable, Sendable {
  /// The GEMM's kernel number.
  public static let gemm = 0
  /// The implicit-GEMM convolution's kernel number (ImplicitConvolution.swift).
  public static let implicitConvolution = 1
  /// ``ComputePool/calibratedRanges(_:grain:granule:line:_:)``'s kernel number (its
  /// sizes: the count, the grain and the call site's line).
  public static let calibratedRanges = 2
  /// The direct convolution's kernel numbers (DirectConvolution.swift): forward, input gradient.
  public static let directConvolution = 3
  public static let directInputGradient = 4
  /// ``ConvolutionWeightGradient``'s kernel number.
  public static let convolutionWeightGradient = 5

  let kernel: Int
  let sizes: SIMD4<Int>

  /// A shape of kernel number `kernel`; unused sizes are left 0.
  public init(kernel: Int, _ a: Int, _ b: Int = 0, _ c: Int = 0, _ d: Int = 0) {
    self.kernel = kernel
    sizes = SIMD4(a, b, c, d)
  }
}

/// Whether one kernel shape should use the pool's threads or the calling thread
/// alone, learnt from its own first calls: "two threads never slower than one".
///
/// The first calls alternate between the parallel and the one-thread path and
/// record each call's time; after ``samplesPerPath`` timed calls of each (the first
/// call of each path is a warm-up and is not counted) the faster median wins, and
/// the parallel path must beat one thread by ``margin`` to keep the threads. The
/// choice is then used for ``recheckInterval`` calls and measured again, so a shape
/// that lost to one thread while the machine was busy gets another chance. A
/// choice of the threads is watched all along: every parallel call is timed, and
/// ``slowCallsBeforeRecheck`` calls in a row slower than one thread was measured
/// end it at once (another process took the second core, a worker waits for a
/// time slice), so two threads do not stay slower than one for the rest of the
/// interval. Results never depend on the path: every kernel that uses this
/// computes the same operations in the same order on either path.
public struct ThreadCalibration: Sendable {
  /// Timed calls of each path before deciding.
  public static let samplesPerPath = 3
  /// The fraction of the one-thread time the parallel path must save.
  public static let margin = 0.05
  /// Calls that use a decision before it is measured again.
  public static let recheckInterval = 4096
  /// Parallel calls in a row slower than the one-thread median that send a
  /// choice of the threads back to calibration.
  public static let slowCallsBeforeRecheck = 3

  /// Each path's call times, its warm-up call first.
  private var parallelSeconds: [Double] = []
  private var serialSeconds: [Double] = []
  private var callsSinceDecision = 0
  /// The one-thread median the decision saw, and parallel calls slower than it in a row since.
  private var serialMedian = 0.0
  private var slowCalls = 0

  /// The decision: true for the pool, false for one thread; nil while calibrating.
  public private(set) var usesPool: Bool?

  /// A calibration that has measured nothing yet.
  public init() {}

  /// The path the next call takes, and whether its time is to be recorded (while
  /// calibrating, and on the parallel path, which is watched).
  public mutating func nextCall() -> (parallel: Bool, timed: Bool) {
    if let usesPool {
      callsSinceDecision += 1
      if callsSinceDecision < Self.recheckInterval { return (usesPool, usesPool) }
      self = ThreadCalibration()
    }
    let parallel = parallelSeconds.count <= serialSeconds.count
    return (parallel, true)
  }

  /// Records a timed call's duration; decides once both paths have enough
  /// samples; after a choice of the threads, recalibrates when they turned slow.
  public mutating func record(parallel: Bool, seconds: Double) {
    if usesPool != nil {
      slowCalls = seconds > serialMedian ? slowCalls + 1 : 0
      if slowCalls >= Self.slowCallsBeforeRecheck { self = ThreadCalibration() }
      return
    }
    if parallel { parallelSeconds.append(seconds) } else { serialSeconds.append(seconds) }
    guard parallelSeconds.count > Self.samplesPerPath, serialSeconds.count > Self.samplesPerPath else { return }
    serialMedian = Self.median(serialSeconds.dropFirst())
    usesPool = Self.median(parallelSeconds.dropFirst()) < (1 - Self.margin) * serialMedian
    callsSinceDecision = 0
    slowCalls = 0
  }

  private static func median(_ values: ArraySlice<Double>) -> Double {
    values.sorted()[values.count / 2]
  }
}

/// A pool's ``ThreadCalibration`` per kernel shape. Kernels may run on several
/// threads at once, so the table has its own lock, held only to look up or record.
final class ThreadChoices: @unchecked Sendable {
  private let mutex = PoolMutex()
  private var calibrations: [KernelShape: ThreadCalibration] = [:]

  func nextCall(_ shape: KernelShape) -> (parallel: Bool, timed: Bool) {
    mutex.withSpinLock { calibrations[shape, default: ThreadCalibration()].nextCall() }
  }

  func record(_ shape: KernelShape, parallel: Bool, seconds: Double) {
    mutex.withSpinLock {
      calibrations[shape, default: ThreadCalibration()].record(parallel: parallel, seconds: seconds)
    }
  }

  /// The decision for `shape`: nil while it is calibrating or was never called.
  func usesPool(_ shape: KernelShape) -> Bool? {
    mutex.withSpinLock { calibrations[shape]?.usesPool }
  }
}

extension ComputePool {
  /// Runs `body(parallel)` once: `parallel` says whether this call of the kernel
  /// shape `shape` should spread its work over the pool (true) or run it all on the
  /// calling thread (false), as the shape's ``ThreadCalibration`` has learnt from
  /// timing its first calls both ways. A one-thread pool always passes false.
  ///
  /// Used by both the interpreter and emitted code, since both call the same
  /// kernels; the kernel must give the same results on both paths.
  public func choosingThreads(_ shape: KernelShape, _ body: (_ parallel: Bool) -> Void) {
    if threadCount == 1 { return body(false) }
    let call = threadChoices.nextCall(shape)
    guard call.timed else { return body(call.parallel) }
    let start = monotonicNanoseconds()
    body(call.parallel)
    threadChoices.record(shape, parallel: call.parallel, seconds: Double(monotonicNanoseconds() - start) * 1e-9)
  }

  /// Whether calls of `shape` use the pool: nil while the shape is calibrating or
  /// has not been called on this pool.
  public func usesThreads(for shape: KernelShape) -> Bool? {
    threadChoices.usesPool(shape)
  }
}
