// `--shard I/N`: one of N disjoint slices of a run plan, for cluster job arrays.

/// A slice of the plan for one machine of a job array.
///
/// Shards are 0-based, like `SLURM_ARRAY_TASK_ID` with `--array=0-(N-1)` and a Kubernetes
/// indexed job's `JOB_COMPLETION_INDEX`: `bench --suite paper --shard $SLURM_ARRAY_TASK_ID/8`.
///
/// Run `k` of the plan goes to shard `k mod N` (round-robin). The N slices are disjoint and
/// cover the plan exactly, and their sizes differ by at most one. Because the plan interleaves
/// strategies within each seed, round-robin also spreads the expensive methods (GEM, joint)
/// over the shards, which a split into contiguous blocks would not. Every array task must build
/// the same plan (same YAML files, same selection and `--seeds`), which holds for one job
/// submitted from one checkout.
public struct Shard: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1 else {
            throw RegistryError([
                Diagnostic(
                    location: nil, field: "--shard \(index)/\(count)",
                    message: "shard count must be at least 1")
            ])
        }
        guard (0..<count).contains(index) else {
            throw RegistryError([
                Diagnostic(
                    location: nil, field: "--shard \(index)/\(count)",
                    message: "shard index must be in 0...\(count - 1) (shards are 0-based, like SLURM_ARRAY_TASK_ID)")
            ])
        }
        self.index = index
        self.count = count
    }

    /// Parses `I/N`, e.g. `0/4` ... `3/4`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw RegistryError([
                Diagnostic(
                    location: nil, field: "--shard \(text)",
                    message: "expected I/N with 0 <= I < N, e.g. 0/4")
            ])
        }
        try self.init(index: i, count: n)
    }

    /// This shard's runs, in plan order.
    public func select<T>(_ plan: [T]) -> [T] {
        plan.enumerated().compactMap { $0.offset % count == index ? $0.element : nil }
    }

    public var description: String { "\(index)/\(count)" }
}
