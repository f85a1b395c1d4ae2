import Foundation

/// Softmax cross-entropy over logits, optionally restricted to each row's task head.
public enum SoftmaxCrossEntropy {
    /// Writes dL/dlogits into `gradient` and returns Σ_r weight_r · loss_r.
    ///
    /// - Parameters:
    ///   - weights: per-row weight (e.g. 1/batch, or 1/|memory of task k| for GEM's reference
    ///     gradients); nil means every row weighs `scale`.
    ///   - tasks, heads: with heads, row r's softmax runs over the classes of task `tasks[r]`.
    public static func lossAndGradient(
        logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows: Int, classes: Int,
        scale: Float = 1, weights: UnsafePointer<Float>? = nil,
        tasks: UnsafePointer<Int32>? = nil, heads: OutputHeads? = nil,
        gradient: UnsafeMutablePointer<Float>
    ) -> Double {
        var total = 0.0
        for r in 0..<rows {
            let z = logits + r * classes
            let g = gradient + r * classes
            let task = tasks.map { Int($0[r]) } ?? 0
            let label = Int(labels[r])
            let weight = weights?[r] ?? scale
            var maxLogit = -Float.infinity
            for c in 0..<classes where heads?.isAllowed(task: task, class: c) ?? true {
                maxLogit = max(maxLogit, z[c])
            }
            // e^(z − max) over the row at once, summed in class order; outside the head e^−∞ = +0,
            // which leaves the sum's bits as they are
            for c in 0..<classes {
                g[c] = heads?.isAllowed(task: task, class: c) ?? true ? z[c] - maxLogit : -.infinity
            }
            Kernels.exp(classes, g, into: g)
            var sum: Float = 0
            for c in 0..<classes { sum += g[c] }
            precondition(
                heads?.isAllowed(task: task, class: label) ?? true,
                "label \(label) is outside the head of task \(task)")
            total += Double(weight) * Double(Kernels.log(sum) - (z[label] - maxLogit))
            let inverse = weight / sum
            for c in 0..<classes { g[c] *= inverse }
            g[label] -= weight
        }
        return total
    }
}
