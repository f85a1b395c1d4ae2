import Learning
import Strategies
import XCTest

@testable import Experiments

final class SeedsTests: XCTestCase {
    func testSyntax() throws {
        XCTAssertEqual(try SeedSelection(parsing: "0-4").seeds, [0, 1, 2, 3, 4])
        XCTAssertEqual(try SeedSelection(parsing: "0,3").seeds, [0, 3])
        XCTAssertEqual(try SeedSelection(parsing: "0-2,7").seeds, [0, 1, 2, 7])
        XCTAssertEqual(try SeedSelection(parsing: "5").seeds, [5])
        XCTAssertEqual(try SeedSelection(parsing: " 1 , 2-3 ").seeds, [1, 2, 3])
    }

    func testErrors() {
        func message(_ text: String) -> String? {
            do {
                _ = try SeedSelection(parsing: text)
                return nil
            } catch { return "\(error)" }
        }
        XCTAssertEqual(message("4-0"), "--seeds 4-0: range must be ascending")
        XCTAssertEqual(message("0-2,1"), "--seeds 0-2,1: seed 1 is listed twice")
        XCTAssertEqual(message(""), "--seeds : no seeds given (expected e.g. 0-4, 0,3 or 0-2,7)")
        XCTAssertEqual(
            message("a"),
            "--seeds a: 'a' is not a seed or a range (expected e.g. 0-4, 0,3 or 0-2,7; seeds are non-negative integers)"
        )
        XCTAssertEqual(
            message("-1"),
            "--seeds -1: '-1' is not a seed or a range (expected e.g. 0-4, 0,3 or 0-2,7; seeds are non-negative integers)"
        )
        XCTAssertEqual(
            message("0,,1"),
            "--seeds 0,,1: '' is not a seed or a range (expected e.g. 0-4, 0,3 or 0-2,7; seeds are non-negative integers)"
        )
    }

    /// Before: duplicates were found with `Array.contains` (quadratic), and `0-1000000000`
    /// never returned.
    func testSeedCountIsBoundedAndLargeSelectionsExpandInLinearTime() throws {
        let start = Date()
        XCTAssertEqual(try SeedSelection(parsing: "0-9999").seeds, Array(0...9999))
        XCTAssertEqual(try SeedSelection(parsing: "0-4999,5000-9999").seeds.count, 10_000)
        func message(_ text: String) -> String? {
            do {
                _ = try SeedSelection(parsing: text)
                return nil
            } catch { return "\(error)" }
        }
        XCTAssertEqual(
            message("0-10000"),
            "--seeds 0-10000: '0-10000' takes the selection past 10000 seeds, the most one plan may hold")
        XCTAssertEqual(
            message("0-9999,20000"),
            "--seeds 0-9999,20000: '20000' takes the selection past 10000 seeds, the most one plan may hold")
        XCTAssertNotNil(message("0-1000000000"))
        XCTAssertNotNil(message("0-9223372036854775807"))
        XCTAssertEqual(message("0-9998,5"), "--seeds 0-9998,5: seed 5 is listed twice")
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(validBody + "\nseeds: 0-1000000000")]),
            [
                "DIR/a.yaml:11:12: experiments.e.seeds: '0-1000000000' takes the selection past 10000 seeds, "
                    + "the most one plan may hold"
            ])
    }

    func testYAMLSeedForms() throws {
        func seeds(_ yaml: String) throws -> [Int] {
            try loaded(["a.yaml": experimentFile(validBody + "\nseeds: \(yaml)")]).experiments[0].seeds
        }
        XCTAssertEqual(try seeds("3"), [3])
        XCTAssertEqual(try seeds("[0, 2]"), [0, 2])
        XCTAssertEqual(try seeds("0-4"), [0, 1, 2, 3, 4])
        XCTAssertEqual(try seeds("\"0-2,7\""), [0, 1, 2, 7])
        XCTAssertEqual(
            try loadErrors(["a.yaml": experimentFile(validBody + "\nseeds: 4-0")]),
            ["DIR/a.yaml:11:12: experiments.e.seeds: range must be ascending"])
    }
}

final class ShardTests: XCTestCase {
    func testSlicesAreDisjointAndCoverThePlanExactly() throws {
        for size in 0...60 {
            let plan = Array(0..<size)
            for count in 1...13 {
                let slices = try (0..<count).map { try Shard(index: $0, count: count).select(plan) }
                XCTAssertEqual(slices.flatMap { $0 }.sorted(), plan, "size \(size), \(count) shards")
                XCTAssertEqual(Set(slices.flatMap { $0 }).count, size)
                let sizes = slices.map(\.count)
                XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1)
                for slice in slices { XCTAssertEqual(slice, slice.sorted(), "a slice keeps plan order") }
            }
        }
    }

    func testDeterministicOnARealPlan() throws {
        let registry = try Registry.load(directory: shippedExperimentsDirectory)
        let plan = try registry.plan(suite: "paper")
        let shard = try Shard(parsing: "2/7")
        XCTAssertEqual(shard.select(plan), shard.select(try registry.plan(suite: "paper")))
        XCTAssertEqual(shard.select(plan).first?.runID, plan[2].runID)
    }

    func testParsing() throws {
        XCTAssertEqual(try Shard(parsing: "0/4"), try Shard(index: 0, count: 4))
        func message(_ text: String) -> String? {
            do {
                _ = try Shard(parsing: text)
                return nil
            } catch { return "\(error)" }
        }
        XCTAssertEqual(
            message("4/4"), "--shard 4/4: shard index must be in 0...3 (shards are 0-based, like SLURM_ARRAY_TASK_ID)")
        XCTAssertEqual(message("0/0"), "--shard 0/0: shard count must be at least 1")
        XCTAssertEqual(message("1of4"), "--shard 1of4: expected I/N with 0 <= I < N, e.g. 0/4")
    }
}

final class CanonicalConfigTests: XCTestCase {
    let spec = RunSpec(
        experiment: "paper-rotated-mnist", strategy: "gem", seed: 3,
        benchmark: BenchmarkSpec(kind: .rotated, tasks: 3, samplesPerTask: 1000, angles: [0, 12.5, 1e-3]),
        optimizer: OptimizerSpec(lr: 0.1),
        method: .gem(
            patternsPerExperience: 256, memoryStrength: 0.5,
            memorySelection: .recent),
        sourceFile: "Experiments/paper.yaml")

    func testGoldenText() {
        XCTAssertEqual(
            spec.canonicalYAML,
            """
            # GEMBench resolved run config (canonical form; see docs/experiments.md)
            format: 1
            experiment: "paper-rotated-mnist"
            strategy: "gem"
            seed: 3
            source_file: "Experiments/paper.yaml"
            benchmark:
              kind: rotated
              dataset: mnist
              tasks: 3
              samples_per_task: 1000
              test_samples_per_task: null
              scenario: domain-incremental
              angles: [0.0, 12.5, 0.001]
              class_order: null
            model:
              kind: mlp
              hidden: [100, 100]
            optimizer:
              lr: 0.1
              batch_size: 10
              epochs: 1
              momentum: 0.0
            method:
              name: gem
              patterns_per_experience: 256
              memory_strength: 0.5
              memory_selection: recent
              reference_gradients: incremental
              sparse_first_layer: true

            """)
    }

    /// Run files written before `reference_gradients` and `sparse_first_layer` existed were computed
    /// the direct, dense way: reading them back must say so, so that resume and rerun match them.
    /// Run files written before `model.kind` and EWC's `fisher` existed: an MLP, and the
    /// reference code's squared mean gradient.
    func testConfigWithoutModelKindOrFisherReadsAsBefore() throws {
        var ewc = spec
        ewc.method = .ewc(patternsPerExperience: 10, lambda: 3)
        let old = ewc.canonicalYAML.replacingOccurrences(of: "  kind: mlp\n", with: "")
            .replacingOccurrences(of: "  fisher: squared-mean-gradient\n", with: "")
        XCTAssertFalse(old.contains("fisher") || old.contains("kind: mlp"))
        let back = try RunSpec(canonicalYAML: old)
        XCTAssertEqual(back.model, .mlp(hidden: [100, 100]))
        XCTAssertEqual(back.method.values.choice("fisher", as: EWC.FisherEstimate.self), .squaredMeanGradient)
        XCTAssertEqual(configDifferences(stored: back, planned: ewc), [])
        // a key without a stored-absence rule stays required
        let broken = ewc.canonicalYAML.replacingOccurrences(of: "  lambda: 3.0\n", with: "")
        XCTAssertThrowsError(try RunSpec(canonicalYAML: broken, source: "run.h5")) { error in
            XCTAssertTrue("\(error)".contains("method.lambda: missing required key 'lambda'"), "\(error)")
        }
    }

    func testGEMConfigWithoutComputationKeysMeansDirectAndDense() throws {
        let old = spec.canonicalYAML.replacingOccurrences(of: "  reference_gradients: incremental\n", with: "")
            .replacingOccurrences(of: "  sparse_first_layer: true\n", with: "")
        XCTAssertFalse(old.contains("reference_gradients"))
        let back = try RunSpec(canonicalYAML: old)
        XCTAssertEqual(
            back.method,
            .gem(
                patternsPerExperience: 256, memoryStrength: 0.5, memorySelection: .recent,
                referenceGradients: .direct, sparseFirstLayer: false))
        XCTAssertEqual(
            configDifferences(stored: back, planned: spec),
            [
                "method.reference_gradients: stored direct, planned incremental",
                "method.sparse_first_layer: stored false, planned true",
            ])
    }

    func testRoundTripIsBitExact() throws {
        let values: [Double] = [
            0.1, 0.003, 1e-3, 0.03, 1e-5, 1.0 / 3.0, 5e-324, 1.7976931348623157e308,
            2.5e-8, 1000, 123456789.123456789, 0.1 + 0.2,
        ]
        for x in values {
            var s = spec
            s.optimizer.lr = x
            s.optimizer.momentum = x < 1 ? x : 0
            s.method = .ewc(patternsPerExperience: 1, lambda: x)
            s.benchmark.angles = [x, -x, 0]
            let back = try RunSpec(canonicalYAML: s.canonicalYAML)
            XCTAssertEqual(back.optimizer.lr.bitPattern, x.bitPattern, "\(x)")
            XCTAssertEqual(back.benchmark.angles?.map(\.bitPattern), [x, -x, 0].map(\.bitPattern))
            XCTAssertEqual(back, s)
            XCTAssertEqual(back.canonicalYAML, s.canonicalYAML)
        }
    }

    func testEveryMethodAndOptionalRoundTrips() throws {
        let methods: [MethodSpec] = [
            .naive, .replay(memorySize: 5120),
            .gem(patternsPerExperience: 1, memoryStrength: 0, memorySelection: .random),
            .gem(
                patternsPerExperience: 1, memoryStrength: 0, memorySelection: .recent,
                referenceGradients: .direct, sparseFirstLayer: false),
            .gem(
                patternsPerExperience: 1, memoryStrength: 0, memorySelection: .random,
                referenceGradients: .incremental, sparseFirstLayer: false),
            .agem(patternsPerExperience: 256, sampleSize: 64), .ewc(patternsPerExperience: 10, lambda: 3),
            .joint, .independent(warmStart: true), .independent(warmStart: false), .multimodal,
        ]
        for method in methods {
            let s = RunSpec(
                experiment: "x", strategy: "y", seed: 0,
                benchmark: BenchmarkSpec(
                    kind: .split, dataset: .fashionMNIST, tasks: 5, testSamplesPerTask: 7,
                    scenario: .classIncremental, classOrder: Array((0...9).reversed())),
                model: ModelSpec(hidden: [5]),
                optimizer: OptimizerSpec(lr: 0.01, batchSize: 3, epochs: 2, momentum: 0.9),
                method: method, sourceFile: "we\"ird\\path\n")
            XCTAssertEqual(try RunSpec(canonicalYAML: s.canonicalYAML), s, "\(method)")
        }
    }

    func testFlattenedView() {
        let flat = spec.flattenedConfig
        XCTAssertEqual(flat["experiment"], "paper-rotated-mnist")
        XCTAssertEqual(flat["optimizer.lr"], "0.1")
        XCTAssertEqual(flat["benchmark.samples_per_task"], "1000")
        XCTAssertEqual(flat["benchmark.test_samples_per_task"], "null")
        XCTAssertEqual(flat["method.memory_selection"], "recent")
        XCTAssertEqual(flat["source_file"], "Experiments/paper.yaml")
        XCTAssertEqual(flat.count, spec.canonicalFields.count)
    }

    func testParseErrorsNameTheField() {
        let broken = spec.canonicalYAML.replacingOccurrences(of: "  lr: 0.1\n", with: "  lr: fast\n")
            .replacingOccurrences(of: "seed: 3\n", with: "")
        XCTAssertThrowsError(try RunSpec(canonicalYAML: broken, source: "run.h5")) { error in
            XCTAssertEqual(
                "\(error)",
                """
                run.h5:2:1: seed: missing required key 'seed'
                run.h5:19:7: optimizer.lr: expected a number, got fast
                """)
        }
    }
}

final class ResumeTests: XCTestCase {
    let spec = RunSpec(
        experiment: "e", strategy: "naive", seed: 0,
        benchmark: BenchmarkSpec(kind: .permuted, tasks: 20, samplesPerTask: 1000),
        optimizer: OptimizerSpec(lr: 0.1), method: .naive, sourceFile: "Experiments/e.yaml")

    func testNoCompleteFileRuns() {
        XCTAssertEqual(resumeDecision(for: spec, existingConfigYAML: nil), .run)
    }

    func testMatchingCompleteFileIsSkipped() {
        XCTAssertEqual(resumeDecision(for: spec, existingConfigYAML: spec.canonicalYAML), .skipComplete)
        var moved = spec
        moved.sourceFile = "elsewhere/e.yaml"
        XCTAssertEqual(resumeDecision(for: spec, existingConfigYAML: moved.canonicalYAML), .skipComplete)
    }

    func testMismatchIsReportedNotOverwritten() {
        var old = spec
        old.optimizer.lr = 0.03
        old.method = .replay(memorySize: 10)
        XCTAssertEqual(
            resumeDecision(for: spec, existingConfigYAML: old.canonicalYAML),
            .configMismatch([
                "optimizer.lr: stored 0.03, planned 0.1",
                "method.name: stored replay, planned naive",
                "method.memory_size: stored 10, planned (absent)",
            ]))
    }

    func testForceReruns() {
        XCTAssertEqual(resumeDecision(for: spec, existingConfigYAML: spec.canonicalYAML, force: true), .run)
    }

    func testUnreadableStoredConfigIsAMismatch() {
        guard case .configMismatch(let reasons) = resumeDecision(for: spec, existingConfigYAML: "lr: [") else {
            return XCTFail("expected a mismatch")
        }
        XCTAssertEqual(reasons.count, 1)
        XCTAssertTrue(reasons[0].hasPrefix("stored config unreadable: e__naive__seed0.h5:"), reasons[0])
    }

    func testDryRunShowsDecisions() {
        var other = spec
        other.seed = 1
        var third = spec
        third.seed = 2
        let text = renderPlan([spec, other, third], outputDirectory: "Results/runs") { s in
            s.seed == 0 ? .skipComplete : s.seed == 1 ? .configMismatch(["x"]) : .run
        }
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 5)
        XCTAssertEqual(
            lines[0].split(separator: " ", omittingEmptySubsequences: true),
            [
                "EXPERIMENT", "STRATEGY", "SEED", "BENCHMARK", "METHOD", "LR", "BATCH", "EPOCHS", "COST", "OUTPUT",
                "STATUS",
            ])
        XCTAssertTrue(lines[1].contains("permuted/mnist 20x1000 DI"))
        XCTAssertTrue(lines[1].hasSuffix("Results/runs/e__naive__seed0.h5  skip"), lines[1])
        XCTAssertTrue(lines[2].hasSuffix("MISMATCH"))
        XCTAssertTrue(lines[4].hasPrefix("3 runs (1 run, 1 skip, 1 MISMATCH); to train: "), lines[4])
    }
}
