import Dispatch
import Experiments
import Foundation
import Storage

/// `bench perf --whole-run`: where a whole run's time goes, phase by phase, for the paper's
/// permuted-MNIST naive ("single") and GEM runs, through the same code as `bench run`.
enum WholeRunPerf {
    static let runs = ["paper-permuted-mnist/single", "paper-permuted-mnist/gem"]

    static func run(repeats: Int, location: LocationOptions) throws {
        let registry = try location.loadRegistry()
        let specs = try runs.map { selector in
            guard
                let spec = try registry.plan(experiments: [selector], suite: nil, seeds: SeedSelection(parsing: "0"))
                    .first
            else { throw fail("\(selector) is not in the registry") }
            return spec
        }
        let threads = location.lanes()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gembench-perf-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        print(
            "bench perf --whole-run: \(threads) lanes; seconds per phase, min / median of \(repeats)"
                + " (load and build happen once per process: later repeats find them cached)")
        print(
            "  run".padding(toLength: 40, withPad: " ", startingAt: 0)
                + "    load   build        train     evaluate       write    peak RSS")
        for spec in specs {
            var phases: [RunPhases] = []
            var writes: [Double] = []
            var peak = 0
            for _ in 0..<repeats {
                let runner = Runner(
                    outputDirectory: folder, dataDirectory: location.dataDir, threads: threads, force: true)
                let record = try runner.record(for: spec)
                let start = DispatchTime.now()
                try RunFile.write(record, to: folder.appendingPathComponent(spec.outputFileName), overwrite: true)
                writes.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
                phases.append(runner.lastPhases!)
                peak = max(peak, record.peakRSSBytes ?? 0)
            }
            let cell = { (values: [Double]) -> String in
                let sorted = values.sorted()
                return String(format: "%.2f/%.2f", sorted[0], sorted[sorted.count / 2])
            }
            let name = "  \(spec.runID)".padding(toLength: 40, withPad: " ", startingAt: 0)
            let setup = String(format: "%8.2f %7.2f", phases[0].load, phases[0].buildStream)
            let train = cell(phases.map(\.train)).leftPadded(13)
            let evaluate = cell(phases.map(\.evaluate)).leftPadded(13)
            let write = cell(writes).leftPadded(12)
            print(name + setup + train + evaluate + write + String(format: "%8.0f MiB", Double(peak) / 1_048_576))
        }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
