import Metrics
import Storage

extension RunSummary {
    /// The summary with forgetting and the ÷T BWT/FWT recomputed from R and b where the file
    /// did not store them (files written before those attributes existed).
    public func withRecomputedLaterMetrics() -> RunSummary {
        guard metrics.forgetting == nil || metrics.bwtOverAllTasks == nil || metrics.fwtOverAllTasks == nil else {
            return self
        }
        let check = ContinualMetrics(accuracy: accuracyMatrix, randomInit: randomInitAccuracy)
        var summary = self
        summary.metrics.forgetting = metrics.forgetting ?? check.forgetting
        summary.metrics.bwtOverAllTasks = metrics.bwtOverAllTasks ?? check.bwtOverAllTasks
        summary.metrics.fwtOverAllTasks = metrics.fwtOverAllTasks ?? check.fwtOverAllTasks
        return summary
    }
}
