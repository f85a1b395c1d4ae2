import Benchmarks
import Foundation
import Learning
import TestSupport
import XCTest

@testable import Strategies

final class SITests: XCTestCase {
    /// Two tasks of four steps with momentum: ω = Σ −g Δθ with g the loss gradient alone and Δθ
    /// the applied update (momentum and, in the second task, the penalty's part included),
    /// Ω += max(0, ω / (Δ² + ξ)); momentum carries some parameters uphill, so shares are clipped.
    func testImportanceIsThePathIntegralOverTheSquaredDistanceDamped() throws {
        let (c, xi, lr, mu) = (0.5, 1e-3, 0.3, 0.9)
        let si = SIPlugin(lambda: Float(c), xi: Float(xi))
        let trainer = Tiny.trainer(si, epochs: 4, lr: Float(lr), momentum: Float(mu), seed: 3)
        var theta = trainer.network.parameters.array.map(Double.init)
        _ = try trainer.run()
        var anchor = theta
        var omega = [Double](repeating: 0, count: Tiny.count)
        var velocity = omega
        var clipped = 0
        for task in trainer.stream.tasks {
            let data = task.train.materialized
            var path = [Double](repeating: 0, count: Tiny.count)
            for _ in 0..<4 {
                let g = Tiny.lossGradient(theta, data)
                let p = Tiny.penaltyGradient(c, omega, theta, anchor)
                velocity = (0..<Tiny.count).map { mu * velocity[$0] + g[$0] + p[$0] }
                let next = (0..<Tiny.count).map { theta[$0] - lr * velocity[$0] }
                for i in 0..<Tiny.count { path[i] -= g[i] * (next[i] - theta[i]) }
                theta = next
            }
            for i in 0..<Tiny.count {
                let share = path[i] / ((theta[i] - anchor[i]) * (theta[i] - anchor[i]) + xi)
                if share > 0 { omega[i] += share } else { clipped += 1 }
            }
            anchor = theta
        }
        assertClose(trainer.network.parameters.array, theta, "θ")
        assertClose(si.penalty.importance, omega, "Ω")
        assertClose(si.penalty.weightedAnchor, (0..<Tiny.count).map { omega[$0] * anchor[$0] }, "Ω ∘ θ*")
        XCTAssertGreaterThan(omega.filter { $0 > 0 }.count, 1)
        XCTAssertGreaterThan(clipped, 0)
    }
}
