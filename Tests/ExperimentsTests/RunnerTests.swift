import Benchmarks
import Data
import Learning
import Storage
import XCTest

@testable import Experiments

/// The runner end to end on real MNIST, kept tiny: 2 permuted tasks × 30 samples, 50 test images.
final class RunnerTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("runner-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func spec(
        lr: Double = 0.1,
        method: MethodSpec = .gem(
            patternsPerExperience: 10, memoryStrength: 0.5,
            memorySelection: .recent)
    ) -> RunSpec {
        RunSpec(
            experiment: "tiny", strategy: "gem", seed: 3,
            benchmark: BenchmarkSpec(kind: .permuted, tasks: 2, samplesPerTask: 30, testSamplesPerTask: 50),
            model: ModelSpec(hidden: [20, 20]), optimizer: OptimizerSpec(lr: lr, batchSize: 10), method: method)
    }

    func testFinishedRunsAreSkippedOnTheNextCall() throws {
        let events = Log()
        let runner = Runner(outputDirectory: folder, threads: 1)
        let first = try runner.execute([spec()]) { if case .finished = $0 { events.append("finished") } }
        let file = folder.appendingPathComponent(spec().outputFileName)
        XCTAssertTrue(FileManager.default.fileExists(atPath: file.path))
        let second = try runner.execute([spec()]) { if case .skipped = $0 { events.append("skipped") } }
        XCTAssertEqual(events.entries, ["finished", "skipped"])
        XCTAssertEqual(first[0].accuracyMatrix, second[0].accuracyMatrix)
    }

    func testAFileWithAnotherConfigStopsThePlanUnlessForced() throws {
        let runner = Runner(outputDirectory: folder, threads: 1)
        _ = try runner.execute([spec()]) { _ in }
        XCTAssertThrowsError(try runner.execute([spec(lr: 0.05)]) { _ in }) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("tiny__gem__seed3.h5"), text)
            XCTAssertTrue(text.contains("optimizer.lr: stored 0.1, planned 0.05"), text)
            XCTAssertTrue(text.contains("--force"), text)
        }
        let forced = Runner(outputDirectory: folder, threads: 1, force: true)
        _ = try forced.execute([spec(lr: 0.05)]) { _ in }
        let stored = try RunFile.read(folder.appendingPathComponent(spec().outputFileName))
        XCTAssertEqual(try RunSpec(canonicalYAML: stored.configYAML, source: "").optimizer.lr, 0.05)
    }

    func testRerunFromTheStoredConfigIsBitIdentical() throws {
        let runner = Runner(outputDirectory: folder, threads: 1)
        _ = try runner.execute([spec()]) { _ in }
        let stored = try RunFile.read(folder.appendingPathComponent(spec().outputFileName))
        let again = try Runner(outputDirectory: folder, threads: 1)
            .record(for: try RunSpec(canonicalYAML: stored.configYAML, source: "stored"))
        XCTAssertEqual(again.accuracyMatrix, stored.accuracyMatrix)
        XCTAssertEqual(again.randomInitAccuracy, stored.randomInitAccuracy)
        XCTAssertEqual(again.parameters, stored.parameters)
        XCTAssertEqual(stored.memory?.count, 20)  // 10 patterns of each task
        XCTAssertEqual(stored.tasks.tasks.count, 2)
        XCTAssertEqual(stored.diagnostics["gem_violations"]?.count, 6)
    }

    /// eval_every: 2 tasks × 3 minibatches, evaluated every 2 iterations → steps 2, 4, 6, the last
    /// row being R's last; the early accuracies start at b[0] and R[0][1] and end at R[t][t];
    /// training is unchanged; the curve reads back from the file; the key is stored only when on.
    func testWithinTaskCurveAndLCADoNotChangeTraining() throws {
        var curved = spec()
        curved.optimizer.evalEvery = 2
        let runner = Runner(outputDirectory: folder, threads: 1)
        let plain = try runner.record(for: spec())
        let record = try runner.execute([curved]) { _ in }[0]
        XCTAssertEqual(record.accuracyMatrix, plain.accuracyMatrix)
        XCTAssertEqual(record.parameters, plain.parameters)
        XCTAssertEqual(record.curveStep, [2, 4, 6])
        XCTAssertEqual(record.curve.last, record.accuracyMatrix[1])
        let r = record.accuracyMatrix
        let early = record.earlyAccuracy
        XCTAssertEqual(early.map(\.count), [4, 4])  // before, and after each of the 3 minibatches
        XCTAssertEqual(early[0][0], record.randomInitAccuracy[0])
        XCTAssertEqual(early[1][0], r[0][1])
        XCTAssertEqual(early[0][3], r[0][0])
        XCTAssertEqual(early[1][3], r[1][1])
        XCTAssertEqual(record.curve[1][1], early[1][1])  // iteration 4 is task 1's first minibatch
        let lca = (early[0].reduce(0, +) / 4 + early[1].reduce(0, +) / 4) / 2
        XCTAssertEqual(try XCTUnwrap(record.metrics.lca), lca, accuracy: 1e-12)
        XCTAssertTrue(plain.curve.isEmpty && plain.earlyAccuracy.isEmpty && plain.metrics.lca == nil)
        let stored = try RunFile.read(folder.appendingPathComponent(curved.outputFileName))
        XCTAssertEqual(stored.curve, record.curve)
        XCTAssertEqual(stored.curveStep, record.curveStep)
        XCTAssertEqual(stored.earlyAccuracy, record.earlyAccuracy)
        XCTAssertEqual(stored.metrics.lca, record.metrics.lca)
        XCTAssertTrue(curved.canonicalYAML.contains("  eval_every: 2\n"))
        XCTAssertFalse(spec().canonicalYAML.contains("eval_every"))
        XCTAssertEqual(try RunSpec(canonicalYAML: stored.configYAML).optimizer.evalEvery, 2)
    }

    /// lca: true records the same early accuracies as eval_every (which evaluates only every task
    /// at its curve points), with no curve and no change to training; the key is stored only when
    /// on and reads back; a stored config without it (every file before it) reads as off.
    func testLCAKeyRecordsTheEarlyAccuraciesWithoutTheCurve() throws {
        var curved = spec()
        var early = spec()
        curved.optimizer.evalEvery = 2
        early.optimizer.lca = true
        let runner = Runner(outputDirectory: folder, threads: 1)
        let withCurve = try runner.record(for: curved)
        let record = try runner.execute([early]) { _ in }[0]
        XCTAssertEqual(record.accuracyMatrix, withCurve.accuracyMatrix)
        XCTAssertEqual(record.parameters, withCurve.parameters)
        XCTAssertEqual(record.earlyAccuracy, withCurve.earlyAccuracy)
        XCTAssertEqual(record.earlyAccuracy.map(\.count), [4, 4])
        XCTAssertEqual(record.earlyAccuracy[1][3], record.accuracyMatrix[1][1])
        XCTAssertEqual(record.metrics.lca, withCurve.metrics.lca)
        XCTAssertTrue(record.curve.isEmpty && record.curveStep.isEmpty)
        XCTAssertTrue(early.canonicalYAML.contains("  lca: true\n"))
        XCTAssertFalse(spec().canonicalYAML.contains("lca"))
        let stored = try RunFile.read(folder.appendingPathComponent(early.outputFileName))
        XCTAssertEqual(stored.metrics.lca, record.metrics.lca)
        XCTAssertEqual(try RunSpec(canonicalYAML: stored.configYAML).optimizer.lca, true)
        XCTAssertEqual(try RunSpec(canonicalYAML: spec().canonicalYAML).optimizer.lca, false)
    }

    /// Against a known allocation: touching 256 MiB raises the peak by at least that much, and a
    /// reset after freeing it brings the peak back down (the kernel's VmHWM, reset by clear_refs).
    func testPeakMemoryMeasuresAnAllocationAndResets() throws {
        let size = 256 << 20
        guard PeakMemory.begin(alone: true) == .run else { throw XCTSkip("this kernel refuses to reset VmHWM") }
        let before = try XCTUnwrap(PeakMemory.peakBytes())
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        for offset in stride(from: 0, to: size, by: 4096) {
            buffer.storeBytes(of: 1, toByteOffset: offset, as: UInt8.self)
        }
        let raised = try XCTUnwrap(PeakMemory.peakBytes())
        buffer.deallocate()
        XCTAssertGreaterThanOrEqual(raised - before, size)
        XCTAssertEqual(PeakMemory.begin(alone: true), .run)
        XCTAssertLessThan(try XCTUnwrap(PeakMemory.peakBytes()), raised - size / 2)
        XCTAssertEqual(PeakMemory.begin(alone: false), .process)
    }

    /// One job: each run's own peak ("run"), stored and read back; two jobs share the process ("process").
    func testRunFilesStoreThePeakRSSAndWhatItCovers() throws {
        let alone = try Runner(outputDirectory: folder, threads: 1).execute([spec()]) { _ in }[0]
        XCTAssertEqual(alone.peakRSSScope, "run")
        XCTAssertGreaterThan(try XCTUnwrap(alone.peakRSSBytes), 1 << 20)
        let stored = try RunFile.read(folder.appendingPathComponent(spec().outputFileName))
        XCTAssertEqual(stored.peakRSSBytes, alone.peakRSSBytes)
        XCTAssertEqual(stored.peakRSSScope, "run")
        XCTAssertEqual(
            try RunFile.readSummary(folder.appendingPathComponent(spec().outputFileName)).peakRSSBytes,
            alone.peakRSSBytes)
        let plan = [0, 1].map { seed -> RunSpec in
            var s = spec()
            s.seed = seed
            return s
        }
        let shared = try Runner(outputDirectory: folder.appendingPathComponent("two"), threads: 1)
            .execute(plan, jobs: 2) { _ in }
        XCTAssertEqual(shared.map(\.peakRSSScope), ["process", "process"])
    }

    func testParallelJobsGiveTheSameRecordsInPlanOrder() throws {
        let plan = [0, 1, 2].map { seed -> RunSpec in
            var s = spec()
            s.seed = seed
            return s
        }
        let sequential = try Runner(outputDirectory: folder.appendingPathComponent("one"), threads: 1)
            .execute(plan) { _ in }
        let parallel = try Runner(outputDirectory: folder.appendingPathComponent("two"), threads: 1)
            .execute(plan, jobs: 2) { _ in }
        XCTAssertEqual(parallel.map(\.seed), [0, 1, 2])
        XCTAssertEqual(parallel.map(\.accuracyMatrix), sequential.map(\.accuracyMatrix))
        XCTAssertEqual(parallel.map(\.parameters), sequential.map(\.parameters))
        XCTAssertEqual(parallel[0].kernelsVersion, Kernels.version)
        XCTAssertEqual(parallel[0].kernelPath, Kernels.path)
    }

    /// Products large enough for OpenBLAS to split across threads (EWC's Fisher over 1000
    /// samples, evaluation over 2000 test images, GEM's dense reference pass), and SI, MAS's
    /// importance pass and RWalk: the results must not depend on `--threads`, nor on another job
    /// running beside them.
    func testThreadAndJobCountsDoNotChangeResults() throws {
        func plan() -> [RunSpec] {
            let benchmark = BenchmarkSpec(kind: .permuted, tasks: 2, samplesPerTask: 1000, testSamplesPerTask: 2000)
            let methods: [(String, MethodSpec)] = [
                ("ewc", .ewc(patternsPerExperience: 1000, lambda: 1000)),
                (
                    "gem",
                    .gem(
                        patternsPerExperience: 256, memoryStrength: 0.5, memorySelection: .recent,
                        referenceGradients: .direct, sparseFirstLayer: false)
                ),
                ("si", MethodSpec("si", ["si_lambda": .double(0.1)])!),
                ("mas", MethodSpec("mas", ["lambda_reg": .double(0.1), "importance_batch": .int(10)])!),
                ("rwalk", MethodSpec("rwalk", ["ewc_lambda": .double(1)])!),
                ("lwf", MethodSpec("lwf")!),
                ("pnn", MethodSpec("pnn")!),  // evaluation through columns of its own
            ]
            return methods.map { label, method in
                RunSpec(
                    experiment: "threads", strategy: label, seed: 1, benchmark: benchmark,
                    model: ModelSpec(hidden: [100, 100]), optimizer: OptimizerSpec(lr: 0.01), method: method)
            }
        }
        let alone = try plan().map { try Runner(outputDirectory: folder, threads: 1).record(for: $0) }
        let together = try Runner(outputDirectory: folder.appendingPathComponent("jobs"), threads: 2)
            .execute(plan(), jobs: 2) { _ in }
        XCTAssertEqual(together.map(\.accuracyMatrix), alone.map(\.accuracyMatrix))
        XCTAssertEqual(together.map(\.parameters), alone.map(\.parameters))
        XCTAssertEqual(together.map(\.stepLoss), alone.map(\.stepLoss))
    }

    /// A diverging run (here GEM, whose QP would trap on non-finite input) fails by itself: no
    /// file, a reason naming the run, task, step and value; the other runs finish and are stored.
    func testADivergingRunFailsAloneAndWritesNoFile() throws {
        var diverging = spec(lr: 1e30)
        diverging.strategy = "gem-diverging"
        var healthy = spec(method: .naive)
        healthy.strategy = "naive"
        let events = Log()
        XCTAssertThrowsError(
            try Runner(outputDirectory: folder, threads: 1).execute([diverging, healthy], jobs: 2) {
                if case .failed(_, _, let spec, _) = $0 { events.append(spec.runID) }
            }
        ) { error in
            guard case RunnerError.runsFailed(let reasons, let finished) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(finished.map(\.strategy), ["naive"])
            XCTAssertEqual(reasons.count, 1)
            XCTAssertTrue(reasons[0].hasPrefix("tiny__gem-diverging__seed3: diverged: loss is "), reasons[0])
            XCTAssertTrue(reasons[0].contains("nan at step 2 "), reasons[0])
            XCTAssertTrue(reasons[0].contains("of task 0"), reasons[0])
        }
        XCTAssertEqual(events.entries, ["tiny__gem-diverging__seed3"])
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertEqual(
            files,
            [
                "tiny__gem-diverging__seed3.events.jsonl", "tiny__naive__seed3.events.jsonl",
                "tiny__naive__seed3.h5",
            ])
        // its event log ends with the reason
        let last = try XCTUnwrap(try eventLog(of: "tiny__gem-diverging__seed3", in: folder).last)
        XCTAssertEqual(last["event"] as? String, "run_end")
        XCTAssertEqual(last["status"] as? String, "diverged")
        XCTAssertTrue((last["reason"] as? String)?.contains("loss is nan at step 2") == true, "\(last)")
    }

    func testAnInterruptedRunLeavesNoFileAndFinishedRunsStay() throws {
        let runner = Runner(outputDirectory: folder, threads: 1)
        let finished = Log()
        runner.shouldStop = { !finished.entries.isEmpty }  // stop as soon as the first run is done
        let plan = [spec(), spec(method: .naive)].enumerated().map { i, s in
            var s = s
            s.strategy = i == 0 ? "gem" : "naive"
            return s
        }
        XCTAssertThrowsError(try runner.execute(plan) { if case .finished = $0 { finished.append("finished") } })
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertEqual(
            files,
            [
                "tiny__gem__seed3.events.jsonl", "tiny__gem__seed3.h5",
                "tiny__naive__seed3.events.jsonl",
            ])
        XCTAssertEqual(try eventLog(of: "tiny__gem__seed3", in: folder).last?["status"] as? String, "finished")
        XCTAssertEqual(try eventLog(of: "tiny__naive__seed3", in: folder).last?["status"] as? String, "interrupted")
    }
}

/// A thread-safe list of strings for events delivered from worker threads.
final class Log: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func append(_ item: String) {
        lock.lock()
        items.append(item)
        lock.unlock()
    }
    var entries: [String] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}
