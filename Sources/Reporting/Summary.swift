import Foundation
import Storage

/// Mean and sample standard deviation (n − 1) of a metric over seeds.
public struct Statistic: Sendable, Equatable {
    public var mean: Double
    /// nil when n = 1.
    public var std: Double?
    public var n: Int

    public init(mean: Double, std: Double?, n: Int) {
        self.mean = mean
        self.std = std
        self.n = n
    }

    /// nil for no values.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let n = values.count
        let mean = values.reduce(0, +) / Double(n)
        var std: Double? = nil
        if n > 1 {
            let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            std = (squares / Double(n - 1)).squareRoot()
        }
        self.init(mean: mean, std: std, n: n)
    }
}

/// One line of the summary: the runs (seeds) of one benchmark × strategy (× experiment).
public struct SummaryRow: Sendable, Equatable {
    public var benchmark: String
    public var strategy: String
    public var experiment: String
    public var scenario: String
    /// The number of runs (seeds).
    public var n: Int
    public var seeds: [Int]
    public var acc: Statistic
    /// nil when undefined in every run (one task, joint training).
    public var bwt: Statistic?
    public var fwt: Statistic?
    public var trainSeconds: Statistic
    /// nil when undefined in every run.
    public var forgetting: Statistic? = nil
    /// Wall time of the whole run (training, evaluation, loading).
    public var totalSeconds: Statistic? = nil
    /// Seconds evaluating R after every task (the early LCA evaluations are in `trainSeconds`).
    public var evalSeconds: Statistic? = nil
    /// LCA_10, over the runs that recorded it (`lca: true` or `eval_every`); nil when none did.
    public var lca: Statistic? = nil
    /// Peak resident set size in MiB, over the runs that stored it; nil when none did.
    public var peakRSSMiB: Statistic? = nil
    /// Whether some of those peaks are a shared process's (runs side by side), not the run's own.
    public var peakRSSShared = false

    public init(
        benchmark: String, strategy: String, experiment: String, scenario: String, n: Int, seeds: [Int],
        acc: Statistic, bwt: Statistic?, fwt: Statistic?, trainSeconds: Statistic
    ) {
        self.benchmark = benchmark
        self.strategy = strategy
        self.experiment = experiment
        self.scenario = scenario
        self.n = n
        self.seeds = seeds
        self.acc = acc
        self.bwt = bwt
        self.fwt = fwt
        self.trainSeconds = trainSeconds
    }
}

public enum Summary {
    /// Groups runs by (benchmark, strategy, experiment), sorted by those names; seeds
    /// sorted. Runs of the same benchmark and strategy from different experiments (e.g.
    /// other hyper-parameters) are never averaged together.
    public static func rows(_ runs: [RunSummary]) -> [SummaryRow] {
        let groups = Dictionary(grouping: runs) {
            GroupKey(benchmark: $0.benchmark, strategy: $0.strategy, experiment: $0.experiment)
        }
        return groups.keys.sorted().map { key -> SummaryRow in
            let members = groups[key]!.sorted { $0.seed < $1.seed }
            let scenarios = Array(Set(members.map(\.scenario))).sorted()
            var row = SummaryRow(
                benchmark: key.benchmark, strategy: key.strategy, experiment: key.experiment,
                scenario: scenarios.joined(separator: "+"), n: members.count, seeds: members.map(\.seed),
                acc: Statistic(members.map(\.metrics.acc))!,
                bwt: Statistic(members.compactMap(\.metrics.bwt)),
                fwt: Statistic(members.compactMap(\.metrics.fwt)),
                trainSeconds: Statistic(members.map(\.trainSeconds))!)
            row.forgetting = Statistic(members.compactMap(\.metrics.forgetting))
            row.evalSeconds = Statistic(members.map(\.evalSeconds))
            row.totalSeconds = Statistic(members.map(\.totalSeconds))
            row.lca = Statistic(members.compactMap(\.metrics.lca))
            row.peakRSSMiB = Statistic(members.compactMap { $0.peakRSSBytes.map { Double($0) / 1_048_576 } })
            row.peakRSSShared = members.contains { $0.peakRSSBytes != nil && $0.peakRSSScope != "run" }
            return row
        }
    }

    struct GroupKey: Hashable, Comparable {
        var benchmark: String, strategy: String, experiment: String
        static func < (a: GroupKey, b: GroupKey) -> Bool {
            (a.benchmark, a.strategy, a.experiment) < (b.benchmark, b.strategy, b.experiment)
        }
    }
}

/// Fixed, locale-free number formatting, so reports regenerate byte for byte.
public enum NumberFormat {
    /// `decimals` digits after the point; never "-0.000"; "nan"/"inf" spelled out.
    public static func fixed(_ value: Double, _ decimals: Int) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        let text = String(format: "%.\(decimals)f", value)
        if text.hasPrefix("-"), text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) {
            return String(text.dropFirst())
        }
        return text
    }
}
