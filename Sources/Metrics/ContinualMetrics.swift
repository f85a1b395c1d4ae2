/// The summary metrics of a run, the one type evaluation computes, run files store and reports
/// show: the GEM paper's ACC, BWT and FWT (Lopez-Paz & Ranzato 2017, section 4), average
/// forgetting (Chaudhry et al. 2018), BWT and FWT as the GEM reference code prints them, and
/// the A-GEM paper's LCA.
///
/// R[i][j] is the test accuracy on task j after training on task i (T×T); b[j] the accuracy on
/// task j of the randomly initialised model. A strategy without a task sequence (joint training)
/// has a single row, the final evaluation: its BWT, FWT and forgetting are undefined (nil).
public struct ContinualMetrics: Sendable, Equatable {
    /// ACC = (1/T) Σⱼ R[T−1][j]
    public var acc: Double
    /// BWT = (1/(T−1)) Σ_{j<T−1} (R[T−1][j] − R[j][j]); nil for one task or one row.
    public var bwt: Double?
    /// FWT = (1/(T−1)) Σ_{j≥1} (R[j−1][j] − b[j]); nil for one task or one row.
    public var fwt: Double?
    /// Average forgetting: mean over j < T−1 of max_{l<T−1} R[l][j] − R[T−1][j].
    public var forgetting: Double?
    /// BWT as the GEM reference code prints it (`metrics.py`: the mean of T terms, the last one
    /// R[T−1][T−1] − R[T−1][T−1] = 0): ÷T instead of ÷(T−1), i.e. (T−1)/T · BWT.
    public var bwtOverAllTasks: Double?
    /// FWT as the GEM reference code prints it (T terms, the first one 0): (T−1)/T · FWT.
    public var fwtOverAllTasks: Double?
    /// LCA_10 (`learningCurveArea`), for runs that record early accuracies; nil otherwise.
    public var lca: Double?

    /// The metrics as stored or given (nil: undefined, or absent from an older file).
    public init(
        acc: Double, bwt: Double? = nil, fwt: Double? = nil, forgetting: Double? = nil,
        bwtOverAllTasks: Double? = nil, fwtOverAllTasks: Double? = nil, lca: Double? = nil
    ) {
        (self.acc, self.bwt, self.fwt, self.forgetting) = (acc, bwt, fwt, forgetting)
        (self.bwtOverAllTasks, self.fwtOverAllTasks, self.lca) = (bwtOverAllTasks, fwtOverAllTasks, lca)
    }

    /// The metrics of R and b. A matrix of the wrong shape (read from a damaged or foreign file)
    /// gives NaN ACC and nothing else instead of a trap.
    public init(accuracy r: [[Double]], randomInit b: [Double]) {
        self.init(acc: .nan)
        let t = b.count
        guard t > 0, r.count == t || r.count == 1, r.allSatisfy({ $0.count == t }) else { return }
        let last = r[r.count - 1]
        acc = last.reduce(0, +) / Double(t)
        guard t > 1, r.count == t else { return }
        let backwardSum = (0..<(t - 1)).map { last[$0] - r[$0][$0] }.reduce(0, +)
        let forwardSum = (1..<t).map { r[$0 - 1][$0] - b[$0] }.reduce(0, +)
        bwt = backwardSum / Double(t - 1)
        fwt = forwardSum / Double(t - 1)
        bwtOverAllTasks = backwardSum / Double(t)
        fwtOverAllTasks = forwardSum / Double(t)
        forgetting =
            (0..<(t - 1)).map { j in (0..<(t - 1)).map { r[$0][j] }.max()! - last[j] }
            .reduce(0, +) / Double(t - 1)
    }

    /// The metrics with NaN (undefined, as files store it) read as nil; ACC stays as it is.
    public var withoutNaN: ContinualMetrics {
        func defined(_ value: Double?) -> Double? { value.flatMap { $0.isNaN ? nil : $0 } }
        return ContinualMetrics(
            acc: acc, bwt: defined(bwt), fwt: defined(fwt), forgetting: defined(forgetting),
            bwtOverAllTasks: defined(bwtOverAllTasks), fwtOverAllTasks: defined(fwtOverAllTasks),
            lca: defined(lca))
    }

    /// LCA_β (Chaudhry et al. 2019, A-GEM, section 5): with `early[t][b]` the accuracy on task t
    /// after b of its minibatches (b = 0 … β), Z_b = mean over t of early[t][b] and
    /// LCA_β = mean over b of Z_b. Nil when there is no early accuracy; a task with fewer than
    /// β + 1 entries (fewer minibatches than β) contributes the ones it has.
    public static func learningCurveArea(_ early: [[Double]]) -> Double? {
        let rows = early.filter { !$0.isEmpty }
        guard !rows.isEmpty else { return nil }
        return rows.map { $0.reduce(0, +) / Double($0.count) }.reduce(0, +) / Double(rows.count)
    }

    /// Whether ACC, BWT and FWT agree with `other`'s to `tolerance` (nil matches nil only): a
    /// file's stored metrics against those of its own R and b.
    public func matches(_ other: ContinualMetrics, tolerance: Double = 1e-9) -> Bool {
        func same(_ a: Double?, _ b: Double?) -> Bool {
            switch (a, b) {
            case (nil, nil): return true
            case (let x?, let y?): return abs(x - y) <= tolerance
            default: return false
            }
        }
        return same(acc, other.acc) && same(bwt, other.bwt) && same(fwt, other.fwt)
    }
}
