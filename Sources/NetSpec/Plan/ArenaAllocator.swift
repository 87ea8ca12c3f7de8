/// Places buffers in one arena so that buffers whose lifetimes overlap never
/// share memory, and buffers that are never alive at the same time do.
///
/// Greedy best-fit by decreasing size: each buffer goes at the lowest offset
/// that is free for its whole lifetime. Offsets are aligned to 16 floats (64
/// bytes, one cache line and one AVX-512 vector).
enum ArenaAllocator {
  static let alignment = 16

  /// Assigns `offset` of every buffer and returns the arena size in floats.
  static func place(_ buffers: inout [ExecutionPlan.Buffer], capacity: Int) -> Int {
    let order = buffers.indices.sorted {
      let a = buffers[$0].size(capacity: capacity)
      let b = buffers[$1].size(capacity: capacity)
      return a != b ? a > b : $0 < $1
    }
    var placed: [Int] = []
    var arenaSize = 0
    for index in order {
      let size = aligned(buffers[index].size(capacity: capacity))
      let busy =
        placed
        .filter { overlaps(buffers[$0], buffers[index]) }
        .map { (buffers[$0].offset, buffers[$0].offset + aligned(buffers[$0].size(capacity: capacity))) }
        .sorted { $0.0 < $1.0 }
      var offset = 0
      for (start, end) in busy {
        if offset + size <= start { break }
        offset = max(offset, end)
      }
      buffers[index].offset = offset
      arenaSize = max(arenaSize, offset + size)
      placed.append(index)
    }
    return arenaSize
  }

  private static func aligned(_ n: Int) -> Int { (max(n, 1) + alignment - 1) / alignment * alignment }

  private static func overlaps(_ a: ExecutionPlan.Buffer, _ b: ExecutionPlan.Buffer) -> Bool {
    a.firstUse <= b.lastUse && b.firstUse <= a.lastUse
  }
}
