import NetSpecKernels
import Testing

@Suite("ThreadChoice")
struct ThreadChoiceTests {
  /// Calibrates with injected call times until a decision; returns it and the
  /// paths the calls took.
  func calibrate(parallel: Double, serial: Double) -> (ThreadCalibration, [Bool]) {
    var calibration = ThreadCalibration()
    var paths: [Bool] = []
    while calibration.usesPool == nil && paths.count < 100 {
      let call = calibration.nextCall()
      #expect(call.timed)
      paths.append(call.parallel)
      calibration.record(parallel: call.parallel, seconds: call.parallel ? parallel : serial)
    }
    return (calibration, paths)
  }

  @Test("A shape whose parallel path is slower falls back to one thread")
  func fallsBack() {
    var (calibration, paths) = calibrate(parallel: 2e-5, serial: 1e-5)
    #expect(calibration.usesPool == false)
    // Both paths were tried alternately, each with one warm-up call.
    #expect(paths.count == 2 * (ThreadCalibration.samplesPerPath + 1))
    #expect(paths.filter { $0 }.count == ThreadCalibration.samplesPerPath + 1)
    let next = calibration.nextCall()
    #expect(next.parallel == false && next.timed == false)
  }

  @Test("A shape whose parallel path is faster keeps the threads")
  func keepsThreads() {
    var (calibration, _) = calibrate(parallel: 0.6e-5, serial: 1e-5)
    #expect(calibration.usesPool == true)
    // The parallel path is watched: its calls are timed.
    let next = calibration.nextCall()
    #expect(next.parallel == true && next.timed == true)
  }

  @Test("Threads that turn slower than one thread are measured again at once")
  func watchesTheThreads() {
    var (calibration, _) = calibrate(parallel: 0.6e-5, serial: 1e-5)
    // Two slow calls and a fast one: no streak, the threads stay.
    for seconds in [3e-5, 3e-5, 0.6e-5, 3e-5, 3e-5] {
      let call = calibration.nextCall()
      #expect(call.parallel && call.timed)
      calibration.record(parallel: true, seconds: seconds)
    }
    #expect(calibration.usesPool == true)
    // A third slow call in a row: calibrating again, from both paths.
    let call = calibration.nextCall()
    calibration.record(parallel: call.parallel, seconds: 3e-5)
    #expect(calibration.usesPool == nil)
    // Both paths are measured again; the second core is still busy: one thread.
    for _ in 0..<(2 * (ThreadCalibration.samplesPerPath + 1)) {
      let call = calibration.nextCall()
      #expect(call.timed)
      calibration.record(parallel: call.parallel, seconds: call.parallel ? 3e-5 : 1e-5)
    }
    #expect(calibration.usesPool == false)
  }

  @Test("The parallel path must save more than the margin")
  func margin() {
    let (calibration, _) = calibrate(parallel: 0.99e-5, serial: 1e-5)
    #expect(calibration.usesPool == false)
  }

  @Test("The warm-up call and one outlier do not decide")
  func robustToOutliers() {
    var calibration = ThreadCalibration()
    // Parallel path: a slow first (warm-up) call and one slow sample among fast ones.
    var parallelTimes = [1.0, 1e-5, 9.0, 1e-5]
    var serialTimes = [2e-5, 2e-5, 2e-5, 2e-5]
    while calibration.usesPool == nil {
      let call = calibration.nextCall()
      let seconds = call.parallel ? parallelTimes.removeFirst() : serialTimes.removeFirst()
      calibration.record(parallel: call.parallel, seconds: seconds)
    }
    #expect(calibration.usesPool == true)
  }

  @Test("A decision is measured again after the recheck interval")
  func rechecks() {
    var (calibration, _) = calibrate(parallel: 2e-5, serial: 1e-5)
    for _ in 1..<ThreadCalibration.recheckInterval {
      #expect(calibration.nextCall().timed == false)
    }
    let call = calibration.nextCall()
    #expect(call.timed)
    #expect(calibration.usesPool == nil)
  }

  @Test("GEMM on two threads decides per shape and gives the one-thread result")
  func gemmDecides() {
    let (m, n, k) = (96, 128, 64)
    let a = (0..<(m * k)).map { Float($0 % 7) - 3 }
    let b = (0..<(k * n)).map { Float($0 % 5) - 2 }
    var expected = [Float](repeating: 0, count: m * n)
    GEMM.sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &expected, ldc: n, pool: ComputePool(threadCount: 1))
    let pool = ComputePool(threadCount: 2)
    let shape = KernelShape(kernel: KernelShape.gemm, m, n, k, 0)
    #expect(pool.usesThreads(for: shape) == nil)
    for _ in 0..<(2 * ThreadCalibration.samplesPerPath + 3) {
      var c = [Float](repeating: .nan, count: m * n)
      GEMM.sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n, pool: pool)
      #expect(c == expected)
    }
    #expect(pool.usesThreads(for: shape) != nil)
    #expect(pool.usesThreads(for: KernelShape(kernel: KernelShape.gemm, m, n, k, 1)) == nil)
  }
}
