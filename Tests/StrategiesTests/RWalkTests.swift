import Benchmarks
import Foundation
import Learning
import TestSupport
import XCTest

@testable import Strategies

final class RWalkTests: XCTestCase {
    /// Two tasks of five steps with Δt = 2, as the A-GEM code computes them: before steps 1 and 3
    /// of each task the interval's scores max(0, ω / (ξ + F (θ − θ_Δ)²)) are added and F moves
    /// towards T/Δt (T the task's running sum of g²); at a task's end s ← s + (s + R)/2 (R doubled
    /// after the first task) and the penalty weighs F̂ + ŝ, each min-max normalised.
    func testScoresAndFisherFollowTheAGEMCode() throws {
        let (lambda, alpha, xi, lr, deltaT) = (0.5, 0.9, 1e-3, 0.5, 2)
        let rwalk = RWalkPlugin(lambda: Float(lambda), alpha: Float(alpha), deltaT: deltaT, xi: Float(xi))
        let trainer = Tiny.trainer(rwalk, epochs: 5, lr: Float(lr), seed: 7)
        var theta = trainer.network.parameters.array.map(Double.init)
        _ = try trainer.run()
        let zeros = [Double](repeating: 0, count: Tiny.count)
        var (fisher, score, omega, anchor, intervalStart) = (zeros, zeros, zeros, theta, theta)
        func normalised(_ x: [Double]) -> [Double] { x.map { ($0 - x.min()!) / (x.max()! - x.min()! + 1e-32) } }
        for task in trainer.stream.tasks {
            let data = task.train.materialized
            var (squares, path, taskScore) = (zeros, zeros, zeros)
            for step in 0..<5 {
                if (step + 1) % deltaT == 0 {
                    for i in 0..<Tiny.count {
                        let moved = theta[i] - intervalStart[i]
                        taskScore[i] += max(0, path[i] / (xi + fisher[i] * moved * moved))
                        fisher[i] = (1 - alpha) * fisher[i] + alpha / Double(deltaT) * squares[i]
                    }
                    (intervalStart, path) = (theta, zeros)
                }
                let g = Tiny.lossGradient(theta, data)
                let p = Tiny.penaltyGradient(lambda, omega, theta, anchor)
                let next = (0..<Tiny.count).map { theta[$0] - lr * (g[$0] + p[$0]) }
                for i in 0..<Tiny.count {
                    squares[i] += g[i] * g[i]
                    path[i] -= g[i] * (next[i] - theta[i])
                }
                theta = next
            }
            let doubled = task.index == 0 ? 2.0 : 1.0
            score = (0..<Tiny.count).map { score[$0] + (score[$0] + doubled * taskScore[$0]) / 2 }
            let f = normalised(fisher)
            let s = normalised(score)
            omega = (0..<Tiny.count).map { f[$0] + s[$0] }
            (anchor, intervalStart) = (theta, theta)
        }
        assertClose(trainer.network.parameters.array, theta, "θ")
        assertClose(rwalk.penalty.importance, omega, relative: 1e-3, "F̂ + ŝ")
        XCTAssertTrue(fisher.contains { $0 > 0 } && score.contains { $0 > 0 })
    }

    func testMinMaxNormalisationMapsOntoZeroToOne() {
        XCTAssertEqual(RWalkPlugin.minMaxNormalised([2, 4, 3]), [0, 1, 0.5])
        XCTAssertEqual(RWalkPlugin.minMaxNormalised([3, 3]), [0, 0])
    }
}
