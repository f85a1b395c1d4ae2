import ArgumentParser
import Foundation

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run continual-learning benchmarks (GEM and baselines), store each run in HDF5, report tables.",
        subcommands: [RunCommand.self, ListCommand.self, ReportCommand.self, ShowCommand.self, RerunCommand.self,
                      PerfCommand.self],
        defaultSubcommand: RunCommand.self
    )

    static func main() {
        // Past a file size limit (`ulimit -f`) a write fails with EFBIG, reported like a full
        // disk, instead of the signal killing the process in the middle of a run file.
        signal(SIGXFSZ, SIG_IGN)
        main(nil)
    }
}
