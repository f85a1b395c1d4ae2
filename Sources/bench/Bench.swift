import ArgumentParser

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run continual-learning benchmarks (GEM and baselines), store each run in HDF5, report tables.",
        subcommands: [RunCommand.self, ListCommand.self, ReportCommand.self, ShowCommand.self, RerunCommand.self,
                      PerfCommand.self, FetchCommand.self, SlurmCommand.self, StatusCommand.self],
        defaultSubcommand: RunCommand.self
    )
}
