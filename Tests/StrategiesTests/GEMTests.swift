import Benchmarks
import Learning
import QuadraticProgram
import TestSupport
import XCTest

@testable import Strategies

final class QPIterationCapTests: XCTestCase {
    /// Stopped by its iteration cap, the solver says so and still returns a feasible v.
    func testHittingTheIterationCapIsReportedAndStaysFeasible() {
        // 40 nearly parallel memory gradients against g: many constraints enter and leave the set
        let k = 40
        var rng = RandomStream(seed: 39)
        var gram = [Double](repeating: 0, count: k * k)
        var linear = [Double](repeating: 0, count: k)
        let vectors = (0..<k).map { _ in (0..<8).map { _ in Double(2 * rng.unitFloat() - 1) } }
        for i in 0..<k {
            for j in 0..<k { gram[i * k + j] = zip(vectors[i], vectors[j]).map(*).reduce(0, +) }
            linear[i] = -Double(rng.unitFloat()) - 0.1
        }
        var v = [Double](repeating: 0, count: k)
        var work = [Double](repeating: 0, count: DualQP.workspaceCount(for: k))
        let full = DualQP.solve(
            gram: gram, linear: linear, count: k, memoryStrength: 0, eps: 1e-3,
            solution: &v, workspace: &work)
        XCTAssertTrue(full.converged)
        XCTAssertGreaterThan(full.iterations, 1)
        let capped = DualQP.solve(
            gram: gram, linear: linear, count: k, memoryStrength: 0, eps: 1e-3,
            solution: &v, workspace: &work, maxIterations: 1)
        XCTAssertFalse(capped.converged)
        XCTAssertTrue(v.allSatisfy { $0 >= 0 && $0.isFinite })
    }
}

final class GEMPluginTests: XCTestCase {
    /// A trainer after one task, its GEM memory holding that task, ready for a step on task 1.
    private func trainerAfterFirstTask(strength: Float) throws -> (Trainer, GEMPlugin) {
        let stream = syntheticStream(tasks: 2, samples: 20)
        var rng = RandomStream(seed: 4)
        let net = Network.mlp([6, 5, 3], rng: &rng)
        let gem = GEMPlugin(
            patternsPerExperience: 8, memoryStrength: strength, memorySelection: .random,
            inputWidth: 6, seed: 4, referenceGradients: .direct, sparseFirstLayer: false)
        let trainer = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
            seed: 4, plugins: [gem])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        try trainer.train(on: stream.tasks[0], of: 1, progress: nil, into: &result)
        return (trainer, gem)
    }

    func testOnePastTaskViolationIsProjectedByTheClosedForm() throws {
        // With one past task the dual QP has the closed form v = max(s, −m·g / (m·m + ε)),
        // and g̃ = g + v m. Take g = −m + (a component orthogonal to m): ⟨g, m⟩ < 0.
        for strength: Float in [0, 0.5] {
            let (trainer, gem) = try trainerAfterFirstTask(strength: strength)
            gem.beforeTrainingIteration(trainer)
            let p = trainer.network.parameterCount
            let m = (0..<p).map { Double(gem.referenceRow(0)[$0]) }
            var g = m.map { -$0 }
            g[0] += 1
            g[1] -= 1  // break proportionality
            for i in 0..<p { trainer.network.gradients[i] = Float(g[i]) }
            gem.afterBackward(trainer)
            let mm = m.map { $0 * $0 }.reduce(0, +)
            let mg = zip(m, g).map(*).reduce(0, +)
            XCTAssertLessThan(mg, 0)
            let v = max(Double(strength), -mg / (mm + 1e-3))
            for i in 0..<p {
                XCTAssertEqual(
                    Double(trainer.network.gradients[i]), g[i] + v * m[i], accuracy: 1e-5 * max(1, abs(g[i])))
            }
            let projected = (0..<p).map { Double(trainer.network.gradients[$0]) }
            XCTAssertGreaterThanOrEqual(
                zip(projected, m).map(*).reduce(0, +), -1e-3 * v * 1.01,
                "⟨g̃, g_k⟩ ≥ −ε v_k")
            XCTAssertEqual(gem.diagnostics["gem_violations"]!.last, 1)
        }
    }

    func testGradientThatAgreesWithMemoryIsLeftAlone() throws {
        let (trainer, gem) = try trainerAfterFirstTask(strength: 0.5)
        gem.beforeTrainingIteration(trainer)
        let p = trainer.network.parameterCount
        let g = (0..<p).map { 2 * gem.referenceRow(0)[$0] }  // ⟨g, m⟩ > 0
        for i in 0..<p { trainer.network.gradients[i] = g[i] }
        gem.afterBackward(trainer)
        XCTAssertEqual(trainer.network.gradients.array, g)
        XCTAssertEqual(gem.diagnostics["gem_violations"]!.last, 0)
    }

    func testPluginProjectionAgreesWithPublicSolverOnThreePastTasks() throws {
        let stream = syntheticStream(tasks: 4, samples: 30)
        var rng = RandomStream(seed: 6)
        let net = Network.mlp([6, 5, 3], rng: &rng)
        let gem = GEMPlugin(
            patternsPerExperience: 10, memoryStrength: 0.5, memorySelection: .recent, inputWidth: 6, seed: 6,
            referenceGradients: .direct, sparseFirstLayer: false)
        let trainer = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.5, batchSize: 5),
            seed: 6, plugins: [gem])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        for t in 0..<3 { try trainer.train(on: stream.tasks[t], of: 1, progress: nil, into: &result) }
        gem.beforeTrainingIteration(trainer)
        let p = net.parameterCount
        let memories = (0..<3).map { k in (0..<p).map { Double(gem.referenceRow(k)[$0]) } }
        var g = [Double](repeating: 0, count: p)
        for k in 0..<3 { for i in 0..<p { g[i] -= Double(k + 1) * memories[k][i] } }
        for i in 0..<p { net.gradients[i] = Float(g[i]) }
        gem.afterBackward(trainer)
        let expected = GEMProjection.project(memories: memories, gradient: g, memoryStrength: 0.5)
        for i in 0..<p {
            XCTAssertEqual(Double(net.gradients[i]), expected[i], accuracy: 1e-4 * max(1, abs(expected[i])))
        }
    }

    func testRecentMemoryKeepsTheLastPatternsTrainedOn() throws {
        let stream = syntheticStream(tasks: 1, samples: 23)
        var rng = RandomStream(seed: 7)
        let net = Network.mlp([6, 3], rng: &rng)
        let gem = GEMPlugin(
            patternsPerExperience: 8, memoryStrength: 0.5, memorySelection: .recent, inputWidth: 6, seed: 7,
            referenceGradients: .direct, sparseFirstLayer: false)
        let trainer = Trainer(
            network: net, stream: stream, settings: TrainingSettings(learningRate: 0.1, batchSize: 5),
            seed: 7, plugins: [gem])
        var seen: [[Float]] = []  // every row trained on, in order
        let observer = BatchObserver { batch in
            for r in 0..<batch.count { seen.append(Array(batch.inputs[(r * 6)..<((r + 1) * 6)])) }
        }
        let watched = Trainer(network: net, stream: stream, settings: trainer.settings, seed: 7, plugins: [observer])
        var result = TrainingResult(accuracy: [], randomInitAccuracy: [])
        try watched.train(on: stream.tasks[0], of: 1, progress: nil, into: &result)
        try trainer.train(on: stream.tasks[0], of: 1, progress: nil, into: &result)
        XCTAssertEqual(gem.memory.all.count, 8)
        // row i seen goes to slot i mod 8: after 23 rows, slots 0...6 hold rows 16...22, slot 7 row 15
        XCTAssertEqual(seen.count, 23)
        let expected = (0..<8).map { slot in seen[slot < 7 ? 16 + slot : 15] }
        let stored = (0..<8).map { Array(gem.memory.all.inputs[($0 * 6)..<(($0 + 1) * 6)]) }
        XCTAssertEqual(stored, expected)
    }
}
