import ArgumentParser
import Experiments
import Storage

/// Which runs a command works on: experiments or a suite, seeds, and the folder of their run
/// files (`run`, `slurm` and `status` take the same).
struct PlanSelection: ParsableArguments {
    @Argument(help: "Experiments, as NAME or NAME/STRATEGY (see `bench list`).")
    var selectors: [String] = []

    @Option(name: .long, help: "Every experiment of this suite (see `bench list`).")
    var suite: String?

    @Option(name: .long, parsing: .unconditional, help: "Seeds, e.g. 0-4 or 0,3 (default: each experiment's own).")
    var seeds: String?

    @Option(name: .long, help: "Folder for run files.")
    var out: String = RunFile.defaultDirectory

    func validate() throws {
        if selectors.isEmpty && suite == nil {
            throw ValidationError("name experiments or a --suite (see `bench list`)")
        }
        try requireNonEmpty(out, "--out", "a folder for run files")
        try requireNonEmpty(suite, "--suite", "a suite name (see `bench list`)")
        for selector in selectors { try Self.checkSelector(selector) }
    }

    /// NAME or NAME/STRATEGY, nothing empty: `smoke-permuted/` would otherwise select every strategy.
    static func checkSelector(_ selector: String) throws {
        let parts = selector.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts.contains(where: \.isEmpty) else {
            let name = parts.first.map(String.init) ?? ""
            throw ValidationError(
                "'\(selector)' is not NAME or NAME/STRATEGY"
                    + (name.isEmpty ? "" : " (all of \(name): '\(name)'; one strategy: '\(name)/STRATEGY')"))
        }
    }

    /// The selected runs of the registry `location` names, in plan order; problems end the command.
    func plan(_ location: LocationOptions) throws -> [RunSpec] {
        let registry = try location.loadRegistry()
        do { return try plan(registry) } catch { throw fail("\(error)") }
    }

    /// The selected runs of `registry`, in plan order.
    func plan(_ registry: Registry) throws -> [RunSpec] {
        try registry.plan(experiments: selectors, suite: suite, seeds: try seeds.map { try SeedSelection(parsing: $0) })
    }
}
