import ArgumentParser
import Benchmarks
import Data
import Foundation
import Learning
import Strategies

struct PerfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perf",
        abstract:
            "Measure the kernels beside OpenBLAS, training speed per strategy and GEM's cost per past task, in one process.",
        discussion: """
            Runs on permuted MNIST (or --dataset fashion-mnist) with the paper's settings (MLP 784-100-100-10, lr 0.1, batch 10, \
            GEM: 256 recent memories per task, strength 0.5). Times are min / median of --repeats; \
            compare them as ratios to the product rates printed in the same run. Products run on the project's own \
            kernels (--kernels or GEMBENCH_KERNELS picks the path; every path gives the same bits); OpenBLAS is \
            timed beside them as a yardstick only. See docs/performance.md.
            """)

    @Flag(help: "Short version: 5 tasks, one repeat, fewer steps (about half a minute).")
    var quick = false

    @Option(parsing: .unconditional, help: "Repeats of each measurement (min and median are reported).")
    var repeats: Int?

    @Option(help: "Strategies to train, comma-separated: naive,replay,agem,gem,gem-direct-sparse,gem-direct.")
    var strategies = "naive,replay,agem,gem,gem-direct-sparse,gem-direct"

    @Option(help: "Dataset of the permuted benchmark: mnist (19% non-zero pixels) or fashion-mnist (50%).")
    var dataset: DatasetName = .mnist

    @Flag(help: "Also train GEM both ways with evaluation and print how far their accuracy matrices differ.")
    var compareAccuracy = false

    @Flag(
        help:
            "Time the phases of whole runs instead (naive and GEM of the paper's permuted MNIST, seed 0: load + verify, build stream, train, evaluate, write) and their peak RSS."
    )
    var wholeRun = false

    @Option(
        help:
            "Model: mlp (the paper's MNIST runs, the default) or resnet18 (GEM's reduced ResNet18 on random 3x32x32 images)."
    )
    var model = "mlp"

    @Option(help: "Kernel path: auto (the widest this CPU has), scalar, avx2, avx512 or neon. Same bits, other speed.")
    var kernels = "auto"

    @OptionGroup var location: LocationOptions

    func validate() throws {
        if let repeats, repeats < 1 { throw ValidationError("--repeats must be at least 1 (got \(repeats))") }
        _ = try chosenStrategies()
    }

    private func chosenStrategies() throws -> [PerfBenchmarks.Strategy] {
        try strategies.split(separator: ",", omittingEmptySubsequences: false).map { name -> PerfBenchmarks.Strategy in
            guard let s = PerfBenchmarks.Strategy(rawValue: String(name)) else {
                throw ValidationError(
                    "--strategies: unknown strategy '\(name)' ("
                        + PerfBenchmarks.Strategy.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            return s
        }
    }

    func run() throws {
        let repeats = self.repeats ?? (quick ? 1 : 3)
        do { try Kernels.use(path: kernels) } catch { throw ValidationError("--kernels: \(error)") }
        print(
            "kernels: \(Kernels.path) (version \(Kernels.version); available: \(Kernels.availablePaths.joined(separator: ", ")))"
        )
        switch model {
        case "mlp": break
        case "resnet18": return try ConvPerf.run(repeats: repeats, threads: location.lanes(), quick: quick)
        default: throw ValidationError("unknown model '\(model)' (mlp, resnet18)")
        }
        if wholeRun { return try WholeRunPerf.run(repeats: repeats, location: location) }
        let tasks = quick ? 5 : 20
        let chosen = try chosenStrategies()
        let dataset: LoadedDataset
        do { dataset = try loadDataset(self.dataset, directory: location.dataDir) } catch { throw fail("\(error)") }
        let stream = PermutedBenchmark.make(dataset, tasks: 20, samplesPerTask: 1000, seed: 0)
        let threads = location.lanes()
        print(
            "bench perf: permuted \(self.dataset.displayName), MLP 784-100-100-10, batch 10; \(threads) lanes, OpenBLAS on up to \(threads) threads;"
                + " min / median of \(repeats)")

        print(
            "\nproducts at GEM's shapes (19 past tasks = 4864 memory rows), GFLOP/s: ours (one thread, as runs"
                + " compute), OpenBLAS sgemm on 1 and \(threads) threads (the yardstick):")
        for shape in PerfBenchmarks.gemShapes(past: 19) {
            print(
                "  \(shape)".padding(toLength: 34, withPad: " ", startingAt: 0)
                    + PerfBenchmarks.gemmLine(shape, threads: threads, repeats: repeats))
        }
        let memoryForward = PerfBenchmarks.gemShapes(past: 19).first { $0.name.hasPrefix("memory forward") }!
        let sgemmMemoryForward = PerfBenchmarks.gemmGFLOPs(
            memoryForward, openBLASThreads: nil, repeats: max(repeats, 3))

        let first = PerfBenchmarks.firstLayerSeconds(
            past: 19, stream: stream, threads: threads, repeats: max(repeats, 5))
        print(
            String(
                format: "\nfirst layer over 19 tasks' memories (%.0f%% non-zero), ms, dense product vs sparse:\n"
                    + "  forward          %7.2f  %7.2f\n  task dW1 x 19    %7.2f  %7.2f",
                100 * first.density, first.denseForward * 1000, first.sparseForward * 1000,
                first.denseGradients * 1000, first.sparseGradients * 1000))

        print("\ntraining (evaluation excluded), \(tasks) tasks x 1000 samples:")
        let trainStream = TaskStream(
            name: stream.name, scenario: stream.scenario, tasks: Array(stream.tasks.prefix(tasks)),
            inputShape: stream.inputShape, classCount: stream.classCount)
        let samples = Double(tasks * 1000)
        for strategy in chosen {
            var seconds: [Double] = []
            for _ in 0..<repeats {
                seconds.append(try PerfBenchmarks.trainingSeconds(strategy, stream: trainStream, threads: threads))
            }
            seconds.sort()
            let (best, median) = (seconds[0], seconds[seconds.count / 2])
            print(
                "  \(strategy.rawValue)".padding(toLength: 20, withPad: " ", startingAt: 0)
                    + String(
                        format: "%8.2f / %8.2f s   %9.0f samples/s   %.4f / %.4f ms/sample",
                        best, median, samples / best, best / samples * 1000, median / samples * 1000))
        }

        let steps = quick ? 10 : 40
        let stepStrategies: [PerfBenchmarks.Strategy] = [.gem, .gemDirectSparse, .gemDirect]
        print(
            "\nGEM ms per step vs past tasks (\(steps) steps; "
                + stepStrategies.map(\.rawValue).joined(separator: ", ") + "):")
        for past in [1, 5, 10, 19] {
            let row = try stepStrategies.map { strategy in
                var best = Double.infinity
                for _ in 0..<repeats {
                    best = min(
                        best,
                        try PerfBenchmarks.gemStepSeconds(
                            past: past, steps: steps, strategy: strategy,
                            stream: stream, threads: threads))
                }
                return best * 1000
            }
            print(String(format: "  %2d past tasks %8.2f  %8.2f  %8.2f", past, row[0], row[1], row[2]))
        }

        let rows = 19 * 256
        let flops = PerfBenchmarks.referenceFLOPs(sizes: [784, 100, 100, 10], rows: rows)
        let dense = PerfBenchmarks.referencePhaseSeconds(
            past: 19, stream: stream, threads: threads,
            repeats: max(repeats, 5), sparse: false)
        let sparse = PerfBenchmarks.referencePhaseSeconds(
            past: 19, stream: stream, threads: threads,
            repeats: max(repeats, 5), sparse: true)
        let rate = flops / dense / 1e9
        let sparseRate = flops / sparse / 1e9
        print(
            String(
                format: "\nreference-gradient phase, 19 past tasks (%.2f GFLOP dense):\n"
                    + "  dense  %6.2f ms, %6.1f GFLOP/s = %3.0f%% of our product (memory forward, %.1f GFLOP/s)\n"
                    + "  sparse %6.2f ms, %6.1f dense-equivalent GFLOP/s = %3.0f%%",
                flops / 1e9, dense * 1000, rate, 100 * rate / sgemmMemoryForward, sgemmMemoryForward,
                sparse * 1000, sparseRate, 100 * sparseRate / sgemmMemoryForward))
        if compareAccuracy {
            let fast = try PerfBenchmarks.accuracy(.gem, stream: trainStream, threads: threads)
            let slow = try PerfBenchmarks.accuracy(.gemDirect, stream: trainStream, threads: threads)
            let difference = zip(fast.joined(), slow.joined()).map { abs($0 - $1) }.max() ?? 0
            let acc = { (r: [[Double]]) in r.last!.reduce(0, +) / Double(r.last!.count) }
            print(
                String(
                    format:
                        "\nGEM default (incremental, sparse) vs direct (dense): ACC %.4f vs %.4f, max |R_default - R_direct| = %.4f",
                    acc(fast), acc(slow), difference))
        }
        print(String(format: "peak memory (ru_maxrss): %.0f MiB", PerfBenchmarks.peakMemoryMiB))
    }
}

extension DatasetName: ExpressibleByArgument {}
