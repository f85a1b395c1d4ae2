import TestSupport
import XCTest

@testable import Learning

/// A progressive network's columns against the defining equation computed here in float64,
/// against a plain MLP (column 0 is one), and their backward against finite differences.
final class ProgressiveNetworkTests: XCTestCase {
    private let shape = ProgressiveShape([5, 4, 3, 3])

    /// Column k's logits by eq. 1 of Rusu et al., in float64 from the stored parameters:
    /// h_i^(j) = ReLU(W_i^(j) [h_{i−1}^(0), …, h_{i−1}^(j)] + b_i^(j)), h_0 = x for layer 0 alone.
    /// Returns column k's logits and its hidden layers' outputs.
    private func reference(_ network: ProgressiveNetwork, column k: Int, x: [Float], rows: Int)
        -> (logits: [Double], hidden: [[Double]])
    {
        let widths = shape.widths
        let layers = widths.count - 1
        var hidden: [[[Double]]] = []  // [column][layer] rows × width
        var logits: [Double] = []
        for j in 0...k {
            let p = network.columns[j].parameters.array.map(Double.init)
            var offset = 0
            var own: [[Double]] = []
            for i in 0..<layers {
                let inputs = i == 0 ? widths[0] : (j + 1) * widths[i]
                let outputs = widths[i + 1]
                var y = [Double](repeating: 0, count: rows * outputs)
                for r in 0..<rows {
                    // the layer's input row: x, or the columns' h_{i−1} side by side, column j's last
                    var input: [Double] = []
                    if i == 0 {
                        input = x[(r * widths[0])..<((r + 1) * widths[0])].map(Double.init)
                    } else {
                        let slice = (r * widths[i])..<((r + 1) * widths[i])
                        for earlier in 0..<j { input += hidden[earlier][i - 1][slice] }
                        input += own[i - 1][slice]
                    }
                    for o in 0..<outputs {
                        var s = p[offset + inputs * outputs + o]
                        for e in 0..<inputs { s += p[offset + o * inputs + e] * input[e] }
                        y[r * outputs + o] = i < layers - 1 ? max(s, 0) : s
                    }
                }
                offset += (inputs + 1) * outputs
                if i < layers - 1 { own.append(y) } else { logits = y }
            }
            XCTAssertEqual(offset, network.columns[j].parameterCount)
            hidden.append(own)
        }
        return (logits, hidden[k])
    }

    func testEachColumnComputesTheProgressiveEquation() {
        var rng = RandomStream(seed: 7)
        let network = ProgressiveNetwork(shape, columns: 3, rng: &rng)
        // non-zero biases, so that a misplaced bias shows
        for column in network.columns {
            for i in 0..<column.parameterCount { column.parameters[i] += 0.1 * (2 * rng.unitFloat() - 1) }
        }
        let rows = 4
        let x = randomArray(rows * 5, &rng)
        for k in 0..<3 {
            let logits = Array(UnsafeBufferPointer(start: network.columns[k].forward(x, rows: rows), count: rows * 3))
            let expected = reference(network, column: k, x: x, rows: rows).logits
            XCTAssertLessThan(relativeError(logits.map(Double.init), expected), 1e-6, "column \(k)")
        }
    }

    func testTheFirstColumnIsThePlainMLP() {
        var rng = RandomStream(seed: 8)
        let network = ProgressiveNetwork(shape, columns: 2, rng: &rng)
        var other = RandomStream(seed: 9)
        let mlp = Network.mlp(shape.widths, rng: &other)
        XCTAssertEqual(network.columns[0].parameterCount, mlp.parameterCount)
        mlp.parameters.copy(from: network.columns[0].parameters)
        let x = randomArray(3 * 5, &rng)
        let a = Array(UnsafeBufferPointer(start: network.columns[0].forward(x, rows: 3), count: 9))
        let b = Array(UnsafeBufferPointer(start: mlp.forward(x, rows: 3), count: 9))
        XCTAssertEqual(a, b)  // the same products in the same order: the same bits
    }

    /// dL/dθ of column 2 (its own weights and its laterals) for L = Σ c ⊙ logits, against central
    /// differences (`numericGradient`); the earlier columns get no gradient and keep their parameters.
    func testColumnGradientMatchesFiniteDifferencesAndLeavesEarlierColumnsAlone() {
        var rng = RandomStream(seed: 11)
        let network = ProgressiveNetwork(shape, columns: 3, rng: &rng)
        for column in network.columns {
            for i in 0..<column.parameterCount { column.parameters[i] += 0.1 * (2 * rng.unitFloat() - 1) }
        }
        let earlier = network.columns[0...1].map(\.parameters.array)
        let column = network.columns[2]
        let rows = 6
        let x = randomArray(rows * 5, &rng)
        let c = randomArray(rows * 3, &rng)
        func loss() -> Double {
            let y = column.forward(x, rows: rows)
            return (0..<c.count).reduce(0.0) { $0 + Double(c[$1]) * Double(y[$1]) }
        }
        // which of column 2's ReLUs are on (the earlier columns' do not depend on its parameters)
        func pattern() -> [Bool] {
            reference(network, column: 2, x: x, rows: rows).hidden.flatMap { $0.map { $0 > 0 } }
        }
        column.gradients.fill(0)
        _ = loss()
        c.withUnsafeBufferPointer { column.backward($0.baseAddress!) }
        let analytic = column.gradients.array.map(Double.init)
        XCTAssertEqual(column.parameterCount, shape.parameters(ofColumn: 2))
        let (numeric, kinks) = numericGradient(column, analytic: analytic, loss: loss, pattern: pattern)
        XCTAssertLessThan(kinks, column.parameterCount / 20, "too many kinks to trust the check")
        XCTAssertLessThan(relativeError(analytic, numeric), 1e-3)
        XCTAssertGreaterThan(analytic.suffix(40).map(abs).max()!, 0.01, "the laterals into the top layers get gradient")
        XCTAssertEqual(network.columns[0...1].map(\.parameters.array), earlier)
        XCTAssertEqual(network.columns[0...1].map { $0.gradients.array.allSatisfy { $0 == 0 } }, [true, true])
    }

    func testParameterCountsByHand() {
        // column 0: (5+1)·4 + (4+1)·3 + (3+1)·3 = 24 + 15 + 12 = 51
        // column 1: 24 + (8+1)·3 + (6+1)·3 = 24 + 27 + 21 = 72; column 2: 24 + 39 + 30 = 93
        XCTAssertEqual((0..<3).map(shape.parameters(ofColumn:)), [51, 72, 93])
        XCTAssertEqual(shape.parameters(columns: 3), 216)
        var rng = RandomStream(seed: 1)
        let network = ProgressiveNetwork(shape, columns: 3, rng: &rng)
        XCTAssertEqual(network.columns.map(\.parameterCount), [51, 72, 93])
        XCTAssertEqual(network.columns[2].layout.map(\.shape), [[4, 5], [4], [3, 12], [3], [3, 9], [3]])
        // the A-GEM paper's permuted MNIST: 17 columns of 784-256-256-10
        // column 0: 785·256 + 257·256 + 257·10 = 200 960 + 65 792 + 2 570 = 269 322;
        // each earlier column adds laterals 256·256 + 256·10 = 68 096 to a column
        let agem = ProgressiveShape([784, 256, 256, 10])
        XCTAssertEqual(agem.parameters(ofColumn: 16), 269_322 + 16 * 68_096)
        XCTAssertEqual(agem.parameters(columns: 17), 17 * 269_322 + 136 * 68_096)  // 13 839 530
        // multiply-adds of one row through column 1 of 5-4-3-3: column 0's hidden layers
        // 24 + 15, column 1's 24 + 27, its output layer 21
        XCTAssertEqual(shape.forwardMultiplyAdds(ofColumn: 1), 24 + 15 + 24 + 27 + 21)
    }
}
