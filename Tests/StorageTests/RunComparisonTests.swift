import Storage
import XCTest

/// `bench rerun` compares everything training recomputes, bit for bit.
final class RunComparisonTests: XCTestCase {
    func testAnIdenticalRerunHasNoDifferencesEvenWithNaNAndUndefinedMetrics() {
        var stored = sampleRecord()
        stored.stepLoss[1] = .nan
        stored.metrics.fwt = nil
        XCTAssertEqual(stored.bitDifferences(from: stored), [])
    }

    /// Before: only R and b were compared, so a rerun with another ACC or other parameters
    /// printed "bit-identical" and exited 0.
    func testEveryRecomputedPartIsCompared() {
        let stored = sampleRecord()
        var fresh = stored
        fresh.metrics.acc = 0.81
        fresh.metrics.bwt = nil
        fresh.parameters[78_499] = fresh.parameters[78_499].nextUp
        fresh.parameters[3] = -fresh.parameters[3]
        fresh.diagnostics["gem_violations"]![2] = 0
        fresh.memory!.labels[0] = 1
        fresh.stepTask[5] = 1
        fresh.tasks.tasks[1].angle = 45
        fresh.datasetChecksums["t10k-labels-idx1-ubyte"] = String(repeating: "00", count: 32)
        let p3 = stored.parameters[3]
        let last = stored.parameters[78_499]
        XCTAssertEqual(
            stored.bitDifferences(from: fresh),
            [
                "acc: stored 0.8, now 0.81",
                "bwt: stored -0.15, now undefined",
                "tasks: the task definitions (permutations, angles, classes) differ",
                "train/task: the task of some steps differs",
                "train/diagnostics/gem_violations: 1 of 6 values differ; the largest |Δ| is 1.0 at index 2 (stored 1.0, now 0.0)",
                "model/parameters: 2 of 78500 values differ; the largest |Δ| is \(Double(2 * abs(p3))) at index 3 "
                    + "(stored \(p3), now \(-p3))",
                "memory/labels: the labels differ",
                "dataset checksums: the data files differ from those the run was trained on",
            ])
        XCTAssertNotEqual(last, last.nextUp)
    }

    func testSignedZeroAndShapesAreDifferences() {
        var stored = sampleRecord()
        stored.accuracyMatrix[0][0] = 0
        var fresh = stored
        fresh.accuracyMatrix[0][0] = -0.0
        XCTAssertEqual(
            stored.bitDifferences(from: fresh),
            ["accuracy_matrix: 1 of 9 values differ; the largest |Δ| is 0.0 at index 0 (stored 0.0, now -0.0)"])
        fresh = stored
        fresh.accuracyMatrix.removeLast()
        XCTAssertEqual(
            stored.bitDifferences(from: fresh), ["accuracy_matrix: stored rows of [3, 3, 3] entries, now [3, 3]"])
    }
}
