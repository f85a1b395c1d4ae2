import ArgumentParser
import Foundation
import Learning

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run continual-learning benchmarks (GEM and baselines), store each run in HDF5, report tables.",
        subcommands: [
            RunCommand.self, ListCommand.self, ReportCommand.self, ShowCommand.self, RerunCommand.self,
            SummarizeCommand.self,
            PerfCommand.self, FetchCommand.self, SlurmCommand.self, StatusCommand.self, DataCommand.self,
        ],
        defaultSubcommand: RunCommand.self
    )

    static func main() {
        // Past a file size limit (`ulimit -f`) a write fails with EFBIG, reported like a full
        // disk, instead of the signal killing the process in the middle of a run file.
        signal(SIGXFSZ, SIG_IGN)
        if let option = repeatedOption(in: Array(CommandLine.arguments.dropFirst())) {
            exit(
                withError: ValidationError(
                    "\(option) is given more than once; give it once (the last would silently win)"))
        }
        // a kernel path this CPU lacks, or a typo, must not silently fall back to another
        if let problem = Kernels.environmentError { exit(withError: ValidationError(problem)) }
        main(nil)
    }

    /// Options that collect every value given (`--experiments A --experiments B`).
    static let repeatableOptions: Set<String> = ["--experiments", "--sbatch-arg"]

    /// The first `--option` written twice (before a `--` that ends the options): ArgumentParser
    /// keeps the last value, so `--suite split --suite smoke` ran smoke without a word.
    static func repeatedOption(in arguments: [String]) -> String? {
        var seen = Set<String>()
        var passedThrough = false  // the value after `--sbatch-arg` is sbatch's option, not ours
        for argument in arguments.prefix(while: { $0 != "--" }) {
            defer { passedThrough = argument == "--sbatch-arg" }
            guard argument.hasPrefix("--"), !passedThrough else { continue }
            let name = String(argument.split(separator: "=", maxSplits: 1)[0])
            if !repeatableOptions.contains(name) && !seen.insert(name).inserted { return name }
        }
        return nil
    }
}
