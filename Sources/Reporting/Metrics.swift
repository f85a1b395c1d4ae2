/// ACC, BWT and FWT recomputed from a stored accuracy matrix (GEM paper, section 4), as an
/// independent check of the stored attributes. R[i][j] = accuracy on task j after
/// training task i; b[j] = accuracy of the random initialisation on task j.
public struct RecomputedMetrics: Sendable, Equatable {
    public var acc: Double
    /// nil unless R is square with T ≥ 2.
    public var bwt: Double?
    public var fwt: Double?

    public init(accuracyMatrix r: [[Double]], randomInitAccuracy b: [Double]) {
        let last = r.last ?? []
        acc = last.isEmpty ? .nan : last.reduce(0, +) / Double(last.count)
        let t = b.count
        guard t >= 2, r.count == t, r.allSatisfy({ $0.count == t }) else {
            bwt = nil
            fwt = nil
            return
        }
        bwt = (0..<(t - 1)).map { r[t - 1][$0] - r[$0][$0] }.reduce(0, +) / Double(t - 1)
        fwt = (1..<t).map { r[$0 - 1][$0] - b[$0] }.reduce(0, +) / Double(t - 1)
    }

    /// Whether stored values agree with these to `tolerance` (nil matches nil only).
    public func matches(acc: Double, bwt: Double?, fwt: Double?, tolerance: Double = 1e-9) -> Bool {
        func same(_ a: Double?, _ b: Double?) -> Bool {
            switch (a, b) {
            case (nil, nil): return true
            case let (x?, y?): return abs(x - y) <= tolerance
            default: return false
            }
        }
        return same(self.acc, acc) && same(self.bwt, bwt) && same(self.fwt, fwt)
    }
}
