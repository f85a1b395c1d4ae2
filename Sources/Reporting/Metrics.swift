import Evaluation
import Storage

/// ACC, BWT, FWT and forgetting of a stored accuracy matrix (GEM paper, section 4;
/// forgetting as in Chaudhry et al. 2018). R[i][j] = accuracy on task j after training
/// task i; b[j] = accuracy of the random initialisation on task j.
///
/// This is `ContinualMetrics`, the project's one implementation, made safe for matrices
/// read from files; it is *not* an independent check of that code. `bench show` uses it to
/// see whether a file's stored metrics agree with its own R and b, and the figures use it
/// for forgetting, which run files do not store. The independent recomputation is
/// `recompute_metrics` of python/gembench, which Tests/python checks against every stored
/// metric and every plotted forgetting value.
public struct RecomputedMetrics: Sendable, Equatable {
    public var acc: Double
    /// nil unless R is square with T ≥ 2.
    public var bwt: Double?
    public var fwt: Double?
    public var forgetting: Double?
    public var bwtOverAllTasks: Double?
    public var fwtOverAllTasks: Double?

    /// A matrix of the wrong shape (from a damaged or foreign file) gives NaN accuracy
    /// instead of a trap.
    public init(accuracyMatrix r: [[Double]], randomInitAccuracy b: [Double]) {
        let t = b.count
        guard t > 0, r.count == t || r.count == 1, r.allSatisfy({ $0.count == t }) else {
            (acc, bwt, fwt, forgetting) = (.nan, nil, nil, nil)
            return
        }
        let metrics = ContinualMetrics(accuracy: r, randomInit: b)
        (acc, bwt, fwt) = (metrics.averageAccuracy, metrics.backwardTransfer, metrics.forwardTransfer)
        (forgetting, bwtOverAllTasks, fwtOverAllTasks) =
            (metrics.forgetting, metrics.backwardTransferOverAllTasks, metrics.forwardTransferOverAllTasks)
    }

    /// Whether stored values agree with these to `tolerance` (nil matches nil only).
    public func matches(acc: Double, bwt: Double?, fwt: Double?, tolerance: Double = 1e-9) -> Bool {
        func same(_ a: Double?, _ b: Double?) -> Bool {
            switch (a, b) {
            case (nil, nil): return true
            case (let x?, let y?): return abs(x - y) <= tolerance
            default: return false
            }
        }
        return same(self.acc, acc) && same(self.bwt, bwt) && same(self.fwt, fwt)
    }
}

extension RunSummary {
    /// The summary with forgetting and the ÷T BWT/FWT recomputed from R and b where the file
    /// did not store them (files written before those attributes existed).
    public func withRecomputedLaterMetrics() -> RunSummary {
        guard forgetting == nil || bwtOverAllTasks == nil || fwtOverAllTasks == nil else { return self }
        let check = RecomputedMetrics(accuracyMatrix: accuracyMatrix, randomInitAccuracy: randomInitAccuracy)
        var summary = self
        summary.forgetting = forgetting ?? check.forgetting
        summary.bwtOverAllTasks = bwtOverAllTasks ?? check.bwtOverAllTasks
        summary.fwtOverAllTasks = fwtOverAllTasks ?? check.fwtOverAllTasks
        return summary
    }
}
