import ArgumentParser
import Data
import Experiments
import Foundation
import Storage

struct SlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract:
            "Write (and submit) a SLURM job array that runs a plan in N shards: `bench slurm --suite paper --array 8`.",
        discussion: """
            Array element I runs `bench run ... --shard I/N` with this checkout's bench binary (build it with \
            `swift build -c release` first: the script calls the binary that runs this command). Time and memory \
            per element come from the plan's cost and memory estimates unless --time / --mem are given. \
            The script is written to OUT/slurm/, logs go to OUT/slurm/logs/. See docs/cluster.md.
            """)

    @OptionGroup var selection: PlanSelection
    private var selectors: [String] { selection.selectors }
    private var suite: String? { selection.suite }
    private var seeds: String? { selection.seeds }
    private var out: String { selection.out }

    @Option(name: .long, help: "Array elements: the plan is cut into N shards.")
    var array: Int

    @Option(name: .long, help: "Elements running at the same time (sbatch --array=...%K).")
    var maxParallel: Int?

    @Option(name: .long, help: "Time limit per element, [D-]HH:MM:SS (default: from the cost estimate).")
    var time: String?

    @Option(name: .long, help: "SLURM partition (default: the cluster's default).")
    var partition: String?

    @Option(name: .long, help: "CPUs per element (default: --jobs, or 2).")
    var cpusPerTask: Int?

    @Option(name: .long, help: "Memory per element, e.g. 4G or 2500M (default: from the memory estimate).")
    var mem: String?

    @Option(name: .long, help: "Runs trained side by side in each element (default: --cpus-per-task).")
    var jobs: Int?

    @Option(name: .long, help: "Account to charge (sbatch --account).")
    var account: String?

    @Option(name: .long, help: "Quality of service (sbatch --qos).")
    var qos: String?

    @Option(name: .long, help: "Generic resources per element, e.g. gpu:1 (sbatch --gres).")
    var gres: String?

    @Option(name: .long, help: "Node features required, e.g. avx512 (sbatch --constraint).")
    var constraint: String?

    @Option(name: .long, help: "Mail on these events, e.g. END,FAIL (sbatch --mail-type).")
    var mailType: String?

    @Option(name: .long, help: "Mail address for --mail-type (sbatch --mail-user).")
    var mailUser: String?

    @Option(
        name: .long, parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "Any other sbatch option, written as an #SBATCH line (repeatable), e.g. --sbatch-arg=--exclusive.",
            valueName: "option"))
    var sbatchArg: [String] = []

    @Option(
        name: .long, parsing: .unconditional,
        help: "Minutes between a quiet run's status lines in the logs (`bench run --heartbeat`).")
    var heartbeat: Double?

    @Flag(name: .long, help: "Write the script and print its path; do not call sbatch.")
    var scriptOnly = false

    @OptionGroup var location: LocationOptions

    func validate() throws {
        guard array >= 1 else { throw ValidationError("--array must be at least 1 (got \(array))") }
        if let maxParallel, maxParallel < 1 {
            throw ValidationError("--max-parallel must be at least 1 (got \(maxParallel))")
        }
        if let cpusPerTask, cpusPerTask < 1 {
            throw ValidationError("--cpus-per-task must be at least 1 (got \(cpusPerTask))")
        }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1 (got \(jobs))") }
        if let time, SlurmLimits.seconds(time) == nil {
            throw ValidationError(
                "--time '\(time)': expected [D-]HH:MM:SS with minutes and seconds below 60, e.g. 04:30:00 or 2-00:00:00"
            )
        }
        if let mem, mem.range(of: #"^[0-9]+[KMGT]?$"#, options: .regularExpression) == nil {
            throw ValidationError("--mem '\(mem)': expected a size in megabytes or with a K, M, G or T suffix, e.g. 4G")
        }
        if let heartbeat, !(heartbeat > 0 && heartbeat.isFinite) {
            throw ValidationError("--heartbeat must be a positive number of minutes (got \(heartbeat))")
        }
        for (option, value) in [
            ("--partition", partition), ("--account", account), ("--qos", qos), ("--gres", gres),
            ("--constraint", constraint), ("--mail-user", mailUser),
        ] {
            if let value, value.isEmpty || value.contains(where: \.isWhitespace) {
                throw ValidationError("\(option) '\(value)': expected a value without spaces")
            }
        }
        if let mailType {
            let unknown = mailType.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                .filter { !SlurmScript.mailTypes.contains($0) }
            if let first = unknown.first {
                throw ValidationError(
                    "--mail-type '\(mailType)': '\(first)' is no SLURM mail type; "
                        + "expected a comma-separated list of \(SlurmScript.mailTypes.joined(separator: ", "))")
            }
        }
        for argument in sbatchArg { try SlurmScript.checkPassThrough(argument) }
    }

    func run() throws {
        let plan = try selection.plan(location)
        guard array <= plan.count else {
            throw fail(
                "--array \(array): the plan has only \(plan.count) runs, so elements \(plan.count)-\(array - 1) would have nothing to do"
            )
        }
        let outDirectory = URL(fileURLWithPath: out).standardizedFileURL
        let runner = Runner(outputDirectory: outDirectory)
        let decisions = plan.map(runner.decision)
        let conflicts = zip(plan, decisions).filter { $0.1.label == "MISMATCH" }.map { $0.0.outputFileName }
        guard conflicts.isEmpty else {
            throw fail(
                "stored runs in \(outDirectory.path) have another config (every element would stop): "
                    + conflicts.joined(separator: ", ")
                    + "; see `bench run --dry-run`, use another --out or `bench run --force`")
        }
        let unusable = zip(plan, decisions).filter { $0.1 == .run && !runner.checkpointProblems(for: $0.0).isEmpty }
        guard unusable.isEmpty else {
            throw fail(
                "checkpoints in \(outDirectory.path) cannot be resumed (every element would stop): "
                    + unusable.map { runner.checkpointURL(for: $0.0).lastPathComponent }.joined(separator: ", ")
                    + "; see `bench status`, use another --out or `bench run --force`")
        }
        let missing = missingDatasets(
            for: zip(plan, decisions).filter { $0.1 == .run }.map(\.0),
            dataDirectory: location.dataDir)
        guard missing.isEmpty else {
            throw fail(
                missing.joined(separator: "\n")
                    + "\nNothing was submitted: the elements would fail on the nodes.")
        }
        let cpus = cpusPerTask ?? jobs ?? 2
        let jobs = self.jobs ?? cpus
        let toTrain = zip(plan, decisions).map { $0.1 == .run }
        let limits = SlurmLimits(plan: plan, toTrain: toTrain, shards: array, jobsPerElement: min(jobs, cpus))

        guard let checkout = DatasetLocator.packageRoot(searchingUpFrom: FileManager.default.currentDirectoryPath)
        else {
            throw fail("run `bench slurm` from inside the GEMBench checkout (the elements run from it)")
        }
        let binary =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? Bundle.main.executablePath ?? CommandLine.arguments[0]
        var runArguments = selectors + (suite.map { ["--suite", $0] } ?? []) + (seeds.map { ["--seeds", $0] } ?? [])
        runArguments += [
            "--out", outDirectory.path, "--jobs", String(jobs), "--threads",
            String(location.threads ?? max(1, cpus / jobs)),
        ]
        runArguments += try location.forwardedArguments()
        if let heartbeat { runArguments += ["--heartbeat", String(heartbeat)] }

        let name =
            "gembench-"
            + String(
                (suite ?? selectors.joined(separator: "+")).map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
                    .prefix(40))
        let slurmDirectory = outDirectory.appendingPathComponent("slurm")
        let logs = slurmDirectory.appendingPathComponent("logs")
        let scriptURL = slurmDirectory.appendingPathComponent(name + ".sbatch")
        let directives =
            [
                "--job-name=\(name)",
                "--array=0-\(array - 1)" + (maxParallel.map { "%\($0)" } ?? ""),
                "--time=\(time ?? SlurmLimits.text(seconds: limits.seconds))",
                "--cpus-per-task=\(cpus)",
                "--mem=\(mem ?? "\(limits.megabytes)M")",
            ]
            + [
                ("partition", partition), ("account", account), ("qos", qos), ("gres", gres),
                ("constraint", constraint), ("mail-type", mailType), ("mail-user", mailUser),
            ]
            .compactMap { name, value in value.map { "--\(name)=\($0)" } }
            + [
                "--output=\(logs.path)/%x_%A_%a.out",
                "--requeue",
                "--signal=B:USR1@120",
                "--open-mode=append",  // a requeued element's log follows its earlier attempts'
            ] + sbatchArg
        let script = SlurmScript(
            binary: binary, checkout: checkout, runArguments: runArguments, shards: array,
            directives: directives,
            summary: "\(plan.count) runs (\(toTrain.filter { $0 }.count) to train) in \(array) shards; "
                + "estimated per element: \(limits.explanation)"
        ).text
        do {
            try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
            try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        } catch { throw fail("cannot write \(scriptURL.path): \(error.localizedDescription)") }
        if !binary.contains("/release/") {
            printError(
                "bench: note: the script calls \(binary); a release build (`swift build -c release`, then .build/release/bench slurm ...) trains several times faster"
            )
        }
        if scriptOnly {
            print("wrote \(scriptURL.path)\nsubmit it with: sbatch \(scriptURL.path)")
            return
        }
        let jobID = try submit(scriptURL)
        print(
            """
            submitted job array \(jobID) (\(array) elements), script \(scriptURL.path)
            follow it:  squeue -j \(jobID)
                        bench status \((suite.map { ["--suite", $0] } ?? selectors).joined(separator: " ")) --out \(outDirectory.path)
                        tail -f \(logs.path)/\(name)_\(jobID)_0.out
            """)
    }

    /// `sbatch --parsable SCRIPT`: the job id.
    private func submit(_ script: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sbatch", "--parsable", script.path]
        let output = Pipe()
        let errors = Pipe()
        (process.standardOutput, process.standardError) = (output, errors)
        do { try process.run() } catch {
            throw fail("cannot start sbatch (\(error.localizedDescription)); the script is \(script.path)")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw fail(
                "sbatch \(script.path) failed (status \(process.terminationStatus)): "
                    + problem.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        // --parsable prints "JOBID" or "JOBID;CLUSTER"
        return String(text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first ?? "")
    }
}

/// Time and memory of the busiest array element, from the plan's estimates, with margins:
/// the cost rate was measured on one machine and cluster nodes differ.
struct SlurmLimits {
    let seconds: Double
    let megabytes: Int
    let explanation: String

    /// Factor and additive margin on the estimated time: a slower node, a busy file system.
    static let timeFactor = 3.0, timeMargin = 600.0

    init(plan: [RunSpec], toTrain: [Bool], shards: Int, jobsPerElement: Int) {
        var longest = 0.0
        var largestMemory = 0.0
        var largestFLOPs = 0.0
        for index in 0..<shards {
            let runs = try! Shard(index: index, count: shards).select(Array(zip(plan, toTrain))).filter(\.1).map(\.0)
            let seconds = runs.map(\.estimatedCost.seconds)
            // jobs side by side: the shard takes its total over the jobs, at least its longest run
            longest = max(longest, max(seconds.max() ?? 0, seconds.reduce(0, +) / Double(jobsPerElement)))
            largestFLOPs = max(largestFLOPs, runs.map(\.estimatedCost.totalFLOPs).reduce(0, +))
            let memories = runs.map(\.memoryEstimate.total).sorted(by: >).prefix(jobsPerElement)
            largestMemory = max(largestMemory, memories.reduce(0, +))
        }
        seconds = (longest * Self.timeFactor + Self.timeMargin).rounded(.up)
        megabytes = max(1024, Int((largestMemory * 1.25 / 1_048_576).rounded(.up)) + 512)
        explanation =
            "\(formatFLOPs(largestFLOPs)), ~\(formatDuration(longest)) on \(jobsPerElement) core(s) "
            + "(limit: \(Int(Self.timeFactor))x + \(Int(Self.timeMargin / 60)) min), memory \(String(format: "%.1f GB", largestMemory / 1e9)) (+25% + 512 MB)"
    }

    /// Seconds of `[D-]HH:MM:SS`, or nil when the text is not in that form.
    static func seconds(_ text: String) -> Int? {
        var rest = Substring(text)
        var days = 0
        if let dash = rest.firstIndex(of: "-") {
            guard let d = Int(rest[..<dash]), d >= 0 else { return nil }
            (days, rest) = (d, rest[rest.index(after: dash)...])
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }),
            let h = Int(parts[0]), let m = Int(parts[1]), let s = Int(parts[2]), m < 60, s < 60
        else { return nil }
        return ((days * 24 + h) * 60 + m) * 60 + s
    }

    /// `HH:MM:SS`, or `D-HH:MM:SS` from one day on.
    static func text(seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        let (days, h, m, s) = (total / 86_400, total / 3600 % 24, total / 60 % 60, total % 60)
        let clock = String(format: "%02d:%02d:%02d", h, m, s)
        return days > 0 ? "\(days)-\(clock)" : clock
    }
}

/// The sbatch script: directives, then one `bench run --shard` per element, checkpointed and
/// requeued when the time limit nears, checkpointed when preempted or cancelled.
struct SlurmScript {
    let binary: String
    let checkout: String
    let runArguments: [String]
    let shards: Int
    let directives: [String]
    let summary: String

    var text: String {
        let arguments = (["run"] + runArguments).map(quoted).joined(separator: " ")
        return """
            #!/bin/bash
            # GEMBench job array, written by `bench slurm` from \(checkout)
            # \(summary)
            # Element I runs shard I/\(shards) of the plan. Resubmitting is safe: finished runs are skipped.
            \(directives.map { "#SBATCH " + $0 }.joined(separator: "\n"))
            set -euo pipefail
            cd \(quoted(checkout))

            max_requeues=3
            echo "$(date -Is) $(hostname): shard ${SLURM_ARRAY_TASK_ID}/\(shards), attempt $(( ${SLURM_RESTART_COUNT:-0} + 1 ))"

            # SIGUSR1 comes 120 s before the time limit (--signal=B:USR1@120, or `scancel --signal=USR1
            # --batch`), SIGTERM on preemption or scancel. Either is passed on to bench, which writes a
            # checkpoint of every run in flight at its next minibatch and exits 75 (checkpointed, not
            # finished). After SIGUSR1 this element is requeued: it resumes the runs from their
            # checkpoints and skips the finished ones. After SIGTERM, SLURM requeues it or not.
            signalled="" interrupted=""
            pass_on() {
                signalled=$1
                if kill -0 "$pid" 2>/dev/null; then interrupted=1; kill -"$1" "$pid" 2>/dev/null || true; fi
            }
            trap 'pass_on USR1' USR1
            trap 'pass_on TERM' TERM

            \(quoted(binary)) \(arguments) --shard "${SLURM_ARRAY_TASK_ID}/\(shards)" &
            pid=$!
            # a trapped signal interrupts `wait` while bench runs on: wait again for bench's own status
            while :; do
                interrupted="" status=0
                wait "$pid" || status=$?
                [ -n "$interrupted" ] || break
            done
            if [ "$status" -eq 75 ] && [ "$signalled" = USR1 ]; then
                if [ "${SLURM_RESTART_COUNT:-0}" -ge "$max_requeues" ]; then
                    echo "time limit again after $max_requeues requeues: give a longer --time" >&2
                    exit 1
                fi
                echo "$(date -Is): checkpointed; requeueing shard ${SLURM_ARRAY_TASK_ID}/\(shards)"
                scontrol requeue "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
                exit 0
            fi
            exit "$status"

            """
    }

    /// The values sbatch takes for --mail-type (comma-separated).
    static let mailTypes = [
        "NONE", "BEGIN", "END", "FAIL", "REQUEUE", "ALL", "INVALID_DEPEND", "STAGE_OUT",
        "TIME_LIMIT", "TIME_LIMIT_90", "TIME_LIMIT_80", "TIME_LIMIT_50", "ARRAY_TASKS",
    ]

    /// sbatch options the script sets itself, and why: passed through, they would silently override
    /// an option of `bench slurm`, or break the array, its logs or its requeueing.
    static let ownOptions: [String: String] = {
        var options: [String: String] = [:]
        for (names, reason) in [
            (["--array", "-a"], "give `bench slurm --array` instead"),
            (["--time", "-t"], "give `bench slurm --time` instead"),
            (["--mem"], "give `bench slurm --mem` instead"),
            (["--cpus-per-task", "-c"], "give `bench slurm --cpus-per-task` instead"),
            (["--partition", "-p"], "give `bench slurm --partition` instead"),
            (["--account", "-A"], "give `bench slurm --account` instead"),
            (["--qos", "-q"], "give `bench slurm --qos` instead"),
            (["--gres"], "give `bench slurm --gres` instead"),
            (["--constraint", "-C"], "give `bench slurm --constraint` instead"),
            (["--mail-type"], "give `bench slurm --mail-type` instead"),
            (["--mail-user"], "give `bench slurm --mail-user` instead"),
            (
                ["--output", "-o", "--error", "-e", "--open-mode"],
                "it writes the logs to OUT/slurm/logs/"
            ),
            (["--job-name", "-J"], "its logs are named after it"),
            (["--signal", "--requeue", "--no-requeue"], "it checkpoints and requeues itself"),
        ] {
            for name in names { options[name] = reason }
        }
        return options
    }()

    /// A `--sbatch-arg` value: one sbatch option (`--exclusive`, `--nodelist=n1`, `-N 1`) that the
    /// script does not set itself, on one line.
    static func checkPassThrough(_ argument: String) throws {
        guard argument.hasPrefix("-"), argument.count > 1, !argument.contains(where: \.isNewline) else {
            throw ValidationError(
                "--sbatch-arg '\(argument)': expected one sbatch option such as --exclusive or "
                    + "--nodelist=node1 (written --sbatch-arg=--exclusive)")
        }
        let name =
            argument.hasPrefix("--")
            ? String(argument.prefix { $0 != "=" && !$0.isWhitespace }) : String(argument.prefix(2))
        if let reason = ownOptions[name] {
            throw ValidationError("--sbatch-arg '\(argument)': the script sets \(name) itself; \(reason)")
        }
    }

    /// Single-quoted for bash when it holds anything but plain characters.
    private func quoted(_ word: String) -> String {
        word.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=+,:@%".contains($0) }) && !word.isEmpty
            ? word : "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
