/// The GEM paper's summary metrics (Lopez-Paz & Ranzato 2017, section 4).
///
/// `accuracy[i][j]` is the test accuracy on task j after training on task i (T×T);
/// `randomInit[j]` the accuracy on task j of the randomly initialised model. A strategy
/// without a task sequence (joint training) has a single row, the final evaluation: its
/// BWT, FWT and forgetting are undefined.
public struct ContinualMetrics: Sendable, Equatable {
    /// ACC = (1/T) Σⱼ R[T−1][j]
    public let averageAccuracy: Double
    /// BWT = (1/(T−1)) Σ_{j<T−1} (R[T−1][j] − R[j][j]); undefined (nil) for one task or one row.
    public let backwardTransfer: Double?
    /// FWT = (1/(T−1)) Σ_{j≥1} (R[j−1][j] − b[j]); undefined (nil) for one task or one row.
    public let forwardTransfer: Double?
    /// Average forgetting (Chaudhry et al. 2018): mean over j < T−1 of max_{l<T−1} R[l][j] − R[T−1][j].
    public let forgetting: Double?
    /// BWT as the GEM reference code prints it (`metrics.py`: the mean of T terms, the last
    /// one R[T−1][T−1] − R[T−1][T−1] = 0): ÷T instead of ÷(T−1), i.e. (T−1)/T · BWT.
    public let backwardTransferOverAllTasks: Double?
    /// FWT as the GEM reference code prints it (T terms, the first one 0): (T−1)/T · FWT.
    public let forwardTransferOverAllTasks: Double?

    public init(accuracy r: [[Double]], randomInit b: [Double]) {
        let t = b.count
        precondition(
            t > 0 && (r.count == t || r.count == 1) && r.allSatisfy { $0.count == t },
            "the accuracy matrix must be T×T (or 1×T) and b must have T entries")
        let last = r[r.count - 1]
        averageAccuracy = last.reduce(0, +) / Double(t)
        guard t > 1, r.count == t else {
            backwardTransfer = nil
            forwardTransfer = nil
            forgetting = nil
            backwardTransferOverAllTasks = nil
            forwardTransferOverAllTasks = nil
            return
        }
        let backwardSum = (0..<(t - 1)).map { last[$0] - r[$0][$0] }.reduce(0, +)
        let forwardSum = (1..<t).map { r[$0 - 1][$0] - b[$0] }.reduce(0, +)
        backwardTransfer = backwardSum / Double(t - 1)
        forwardTransfer = forwardSum / Double(t - 1)
        backwardTransferOverAllTasks = backwardSum / Double(t)
        forwardTransferOverAllTasks = forwardSum / Double(t)
        forgetting =
            (0..<(t - 1)).map { j in (0..<(t - 1)).map { r[$0][j] }.max()! - last[j] }
            .reduce(0, +) / Double(t - 1)
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
}
