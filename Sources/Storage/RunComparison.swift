/// How a rerun differs from the stored run: everything training recomputes is compared bit
/// for bit (NaN equals NaN of the same bits); provenance and timings are not compared.
extension RunRecord {
    /// One line per recomputed part that differs between `self` (stored) and `fresh`, naming
    /// the part and how it differs; empty when the rerun is bit-identical.
    public func bitDifferences(from fresh: RunRecord) -> [String] {
        var lines: [String] = []
        func check(_ part: String, _ difference: String?) {
            if let difference { lines.append("\(part): \(difference)") }
        }
        check(
            "accuracy_matrix",
            Self.difference(
                accuracyMatrix.flatMap { $0 }, fresh.accuracyMatrix.flatMap { $0 },
                shapes: (accuracyMatrix.map(\.count), fresh.accuracyMatrix.map(\.count))))
        check("random_init_accuracy", Self.difference(randomInitAccuracy, fresh.randomInitAccuracy))
        check("acc", Self.difference([metrics.acc], [fresh.metrics.acc]))
        check("bwt", Self.difference(metrics.bwt, fresh.metrics.bwt))
        check("fwt", Self.difference(metrics.fwt, fresh.metrics.fwt))
        check("tasks", tasks == fresh.tasks ? nil : "the task definitions (permutations, angles, classes) differ")
        check("train/loss", Self.difference(stepLoss, fresh.stepLoss))
        check("train/task", stepTask == fresh.stepTask ? nil : "the task of some steps differs")
        if Set(diagnostics.keys) != Set(fresh.diagnostics.keys) {
            check("train/diagnostics", "stored \(diagnostics.keys.sorted()), now \(fresh.diagnostics.keys.sorted())")
        } else {
            for name in diagnostics.keys.sorted() {
                check("train/diagnostics/\(name)", Self.difference(diagnostics[name]!, fresh.diagnostics[name]!))
            }
        }
        check("model/parameters", Self.difference(parameters, fresh.parameters))
        check("model/layout", layerLayout == fresh.layerLayout ? nil : "the layer layout differs")
        // files written before layer state was stored have none to compare
        if !layerState.isEmpty { check("model/state", Self.difference(layerState, fresh.layerState)) }
        check(
            "metrics/curve",
            Self.difference(
                curve.flatMap { $0 }, fresh.curve.flatMap { $0 },
                shapes: (curve.map(\.count), fresh.curve.map(\.count))))
        check("metrics/curve_step", curveStep == fresh.curveStep ? nil : "the curve's steps differ")
        check(
            "metrics/early_accuracy",
            Self.difference(
                earlyAccuracy.flatMap { $0 }, fresh.earlyAccuracy.flatMap { $0 },
                shapes: (earlyAccuracy.map(\.count), fresh.earlyAccuracy.map(\.count))))
        switch (memory, fresh.memory) {
        case (nil, nil): break
        case (let stored?, let now?):
            check("memory/inputs", Self.difference(stored.inputs, now.inputs))
            check("memory/labels", stored.labels == now.labels ? nil : "the labels differ")
            check("memory/tasks", stored.tasks == now.tasks ? nil : "the task ids differ")
        case (nil, _?): check("memory", "none stored, the rerun keeps one")
        case (_?, nil): check("memory", "stored, the rerun keeps none")
        }
        check(
            "dataset checksums",
            datasetChecksums == fresh.datasetChecksums
                ? nil : "the data files differ from those the run was trained on")
        return lines
    }

    private static func difference(_ stored: Double?, _ now: Double?) -> String? {
        switch (stored, now) {
        case (nil, nil): return nil
        case (let a?, let b?): return difference([a], [b])
        case (let a, let b):
            return "stored \(a.map { "\($0)" } ?? "undefined"), now \(b.map { "\($0)" } ?? "undefined")"
        }
    }

    /// nil when bit-identical; else the count mismatch, or the largest difference and where.
    private static func difference<T: BinaryFloatingPoint>(
        _ stored: [T], _ now: [T],
        shapes: ([Int], [Int])? = nil
    ) -> String? {
        if let shapes, shapes.0 != shapes.1 { return "stored rows of \(shapes.0) entries, now \(shapes.1)" }
        guard stored.count == now.count else { return "stored \(stored.count) values, now \(now.count)" }
        var differing = 0
        var worst: (index: Int, gap: Double)?
        for i in stored.indices where !bitEqual(stored[i], now[i]) {
            differing += 1
            let gap = abs(Double(stored[i]) - Double(now[i]))
            if worst == nil || !(gap <= worst!.gap) { worst = (i, gap) }
        }
        guard let worst else { return nil }
        if stored.count == 1 { return "stored \(stored[0]), now \(now[0])" }
        return "\(differing) of \(stored.count) values differ; the largest |Δ| is \(worst.gap) at index \(worst.index) "
            + "(stored \(stored[worst.index]), now \(now[worst.index]))"
    }

    private static func bitEqual<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> Bool {
        a.sign == b.sign && a.exponentBitPattern == b.exponentBitPattern
            && a.significandBitPattern == b.significandBitPattern
    }
}
