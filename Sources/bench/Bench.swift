import ArgumentParser

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run continual-learning benchmarks (GEM and baselines) and report them.",
        subcommands: [ReportCommand.self, ShowCommand.self]
    )
}
