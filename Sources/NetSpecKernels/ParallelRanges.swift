extension ComputePool {
  /// Splits `0..<count` into at most ``threadCount`` consecutive ranges of at least
  /// `grain` items each and runs `body` on every range, in parallel; with little
  /// work (fewer than `2 * grain` items) it runs `body(0..<count)` inline.
  ///
  /// For element-wise and reduction kernels whose items are independent (planes,
  /// channels, rows). Like ``parallelFor(_:_:)``, not reentrant: `body` must not
  /// use this pool.
  public func parallelRanges(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
    let tasks = max(1, min(threadCount, count / max(1, grain)))
    parallelFor(tasks) { task in
      body((count * task / tasks)..<(count * (task + 1) / tasks))
    }
  }
}
