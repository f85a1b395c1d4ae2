import ArgumentParser
import Experiments
import Foundation
import Reporting
import Storage
import Strategies

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run experiments (the default command): `bench --suite split`.",
        discussion: """
            Each run (experiment × strategy × seed) is written to OUT/<experiment>__<strategy>__seed<N>.h5 \
            when it completes. A complete file with the same config is skipped (resume); one with a \
            different config stops the plan before anything runs, unless --force. A run writes a checkpoint \
            (.NAME.h5.checkpoint) after each task and resumes from it; SIGTERM or SIGUSR1 makes every run \
            in flight write one at its next minibatch and exit with status 75 (checkpointed, not finished: \
            run the same command again). Ctrl-C abandons the runs in flight (they resume from their last \
            task's checkpoint), keeps finished runs and exits with status 130. Progress goes to stderr: on a \
            terminal a status line per run in flight (task, step, loss, accuracy, ETA) and the plan's ETA, \
            redrawn in place; in a log a line per task and a heartbeat. Each run also writes its events \
            (tasks, losses, rows of R) as JSON lines to OUT/<run>.events.jsonl as it goes (docs/experiments.md).
            """)

    @OptionGroup var selection: PlanSelection
    private var selectors: [String] { selection.selectors }
    private var suite: String? { selection.suite }
    private var seeds: String? { selection.seeds }
    private var out: String { selection.out }

    @Option(
        name: .long, parsing: .unconditional,
        help: "Run only slice I of N of the plan (0-based, e.g. $SLURM_ARRAY_TASK_ID/8).")
    var shard: String?

    // optional, so that the help shows one default (a computed one printed "(default: 2)" beside it)
    @Option(
        name: .customLong("jobs"), parsing: .unconditional,
        help: "Runs trained at the same time (default: one per core).")
    var requestedJobs: Int?

    /// `--jobs`, else one per core.
    var jobs: Int { requestedJobs ?? ProcessInfo.processInfo.activeProcessorCount }

    @Option(
        name: .long, parsing: .unconditional,
        help: "In a log (stderr not a terminal, e.g. SLURM): a status line per run in flight at least every MINUTES.")
    var heartbeat: Double = 5

    @Flag(name: .long, help: "Rerun and replace runs whose files already exist.")
    var force = false

    @Flag(name: .long, help: "Print the resolved run plan and exit.")
    var dryRun = false

    @OptionGroup var location: LocationOptions

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1 (got \(jobs))") }
        guard heartbeat > 0, heartbeat.isFinite else {
            throw ValidationError("--heartbeat must be a positive number of minutes (got \(heartbeat))")
        }
    }

    func run() throws {
        let registry = try location.loadRegistry()
        var plan: [RunSpec]
        do {
            plan = try selection.plan(registry)
            if let shard { plan = try Shard(parsing: shard).select(plan) }
        } catch {
            throw fail("\(error)" + commandHint(registry))
        }
        let runner = Runner(
            outputDirectory: URL(fileURLWithPath: out), dataDirectory: location.dataDir,
            threads: location.lanes(jobs: jobs), force: force)
        if dryRun {
            do { try OutputFolder.checkNames(plan.map(\.outputFileName), in: URL(fileURLWithPath: out)) } catch {
                throw fail("\(error)")
            }
            // run ids are unique within a plan
            let decisions = Dictionary(uniqueKeysWithValues: plan.map { ($0.runID, runner.decision(for: $0)) })
            print(renderPlan(plan, outputDirectory: out, decide: { decisions[$0.runID]! }), terminator: "")
            let toTrain = plan.filter { decisions[$0.runID] == .run }
            let missing = missingDatasets(for: toTrain, dataDirectory: location.dataDir)
            guard missing.isEmpty else { throw fail(missing.joined(separator: "\n")) }
            return
        }
        let interruption = Interruption()
        runner.shouldStop = { interruption.isRequested }
        runner.shouldCheckpoint = { interruption.isCheckpointRequested }
        let progress = ProgressPrinter(plan: plan, jobs: jobs, heartbeat: heartbeat * 60)
        let outcome = Result { try runner.execute(plan, jobs: jobs, events: progress.handle) }
        progress.finish()
        let records: [RunRecord]
        do {
            records = try outcome.get()
        } catch let RunnerError.runsFailed(reasons, finished) {
            print(Tables.markdownTable(records: finished), terminator: "")
            throw fail("\(reasons.count) run(s) diverged and wrote no file:\n  " + reasons.joined(separator: "\n  "))
        } catch let RunnerError.checkpointed(runs, notStarted, finished) {
            print(Tables.markdownTable(records: finished), terminator: "")
            printError(
                "bench: stopped on request: \(runs.count) run(s) checkpointed, \(notStarted) not started, "
                    + "\(finished.count) finished; run the same command again to resume (exit status \(Interruption.checkpointedStatus))"
            )
            throw ExitCode(Interruption.checkpointedStatus)
        } catch is TrainingInterrupted {
            printError(
                "\nbench: interrupted; runs in flight were discarded (they resume from the checkpoint of their last "
                    + "finished task), finished runs are in \(out)")
            throw ExitCode(130)
        } catch {
            throw fail("\(error)")
        }
        print(Tables.markdownTable(records: records), terminator: "")
    }

    /// `bench reprot` is taken as an experiment name (`run` is the default command); when the
    /// first name is no experiment but close to a command, say so.
    private func commandHint(_ registry: Registry) -> String {
        guard let first = selectors.first, !first.contains("/"), registry.experiment(named: first) == nil else {
            return ""
        }
        let commands = Bench.configuration.subcommands.compactMap { $0.configuration.commandName }
        guard let command = closest(to: first, in: commands) else { return "" }
        return "\n(`bench \(first)` runs the experiment '\(first)'; did you mean the command `bench \(command)`?)"
    }
}
