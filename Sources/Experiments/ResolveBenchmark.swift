// The `benchmark:` section: which task stream, checked against what each kind accepts.

import Benchmarks
import Data

extension ExperimentLoader {
    mutating func resolveBenchmark(_ merged: YValue) -> BenchmarkSpec? {
        guard let section = merged["benchmark"] else {
            checker.missing("benchmark", in: merged)
            return nil
        }
        guard section.entries != nil else { return nil }  // reported by the key check
        guard let kindValue = section["kind"] else {
            checker.missing("kind", in: section)
            return nil
        }
        guard let kind: BenchmarkKind = checker.choice(kindValue, "benchmark kind") else { return nil }
        var ok = true
        var dataset = DatasetName.mnist
        if let value = section["dataset"] {
            if let d: DatasetName = checker.choice(value, "dataset") { dataset = d } else { ok = false }
        }
        let classes = dataset.classCount
        var tasks = 5
        if let value = section["tasks"] {
            guard let t = checker.positiveInt(value) else { return nil }
            tasks = t
            if kind == .split, classes % t != 0 || t < 2 {
                let divisors = (2...classes).filter { classes % $0 == 0 }.map(String.init)
                checker.error(
                    value,
                    "a split benchmark deals its \(classes) classes evenly: tasks must be "
                        + "\(divisors.dropLast().joined(separator: ", ")) or \(divisors.last!), got \(t)")
                ok = false
            }
        } else if kind != .split {
            checker.missing("tasks", in: section)
            return nil
        }
        let samples = section["samples_per_task"].flatMap { checker.positiveInt($0) }
        let testSamples = section["test_samples_per_task"].flatMap { checker.positiveInt($0) }
        let defaultScenario: Scenario = kind == .split ? .taskIncremental : .domainIncremental
        var scenario = defaultScenario
        if let value = section["scenario"], let s: Scenario = checker.choice(value, "scenario") {
            scenario = s
            if kind != .split, s != .domainIncremental {
                checker.error(
                    value,
                    "\(kind.rawValue) benchmarks are domain-incremental (one shared 10-way head), not \(s.rawValue)")
                ok = false
            } else if kind == .split, s == .domainIncremental {
                checker.error(
                    value, "split benchmarks are task-incremental or class-incremental, not domain-incremental")
                ok = false
            }
        }
        var angles: [Double]?
        if let value = section["angles"], !checker.isNull(value) {
            if kind != .rotated {
                checker.error(value, "angles apply only to rotated benchmarks, not \(kind.rawValue)")
                ok = false
            } else if let items = checker.list(value) {
                let parsed = items.compactMap { checker.double($0) }
                for (item, angle) in zip(items, parsed) where !(-360...360).contains(angle) {
                    checker.error(item, "angles are degrees in [-360, 360], got \(formatDouble(angle))")
                    ok = false
                }
                if parsed.count == items.count {
                    if parsed.count != tasks {
                        checker.error(value, "needs one angle per task: \(tasks) tasks, \(parsed.count) angles")
                        ok = false
                    }
                    angles = parsed
                } else {
                    ok = false
                }
            }
        }
        var classOrder: [Int]?
        if let value = section["class_order"], !checker.isNull(value) {
            if kind != .split {
                checker.error(value, "class_order applies only to split benchmarks, not \(kind.rawValue)")
                ok = false
            } else if let items = checker.list(value) {
                let parsed = items.compactMap { checker.int($0) }
                if parsed.count == items.count {
                    if parsed.sorted() != Array(0..<classes) {
                        checker.error(value, "must list each class 0-\(classes - 1) exactly once, got \(parsed)")
                        ok = false
                    }
                    classOrder = parsed
                } else {
                    ok = false
                }
            }
        }
        guard ok else { return nil }
        let spec = BenchmarkSpec(
            kind: kind, dataset: dataset, tasks: tasks, samplesPerTask: samples,
            testSamplesPerTask: testSamples, scenario: scenario, angles: angles,
            classOrder: classOrder)
        // a task cannot hold more than its data: refuse rather than silently use fewer
        for (key, asked, available) in [
            ("samples_per_task", samples, spec.trainSamplesAvailable),
            ("test_samples_per_task", testSamples, spec.testSamplesAvailable),
        ] {
            if let asked, asked > available, let value = section[key] {
                checker.error(
                    value,
                    "\(asked) exceeds the \(available) \(key.hasPrefix("test") ? "test" : "training") "
                        + "samples of the smallest task of \(spec.summary)")
                ok = false
            }
        }
        return ok ? spec : nil
    }
}
