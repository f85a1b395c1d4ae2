import Benchmarks
import Learning

/// `n` values uniform in [−scale, scale].
public func randomArray(_ n: Int, _ rng: inout RandomStream, scale: Float = 1) -> [Float] {
    (0..<n).map { _ in (2 * rng.unitFloat() - 1) * scale }
}

/// Relative error ‖a − b‖ / max(‖a‖, ‖b‖).
public func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    let diff = zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
    let na = a.map { $0 * $0 }.reduce(0, +).squareRoot()
    let nb = b.map { $0 * $0 }.reduce(0, +).squareRoot()
    return diff / max(na, nb, 1e-12)
}

/// A tiny random task stream: `tasks` tasks of `n` samples of `width` random inputs in [−1, 1],
/// those of magnitude below `zeros` set to zero (that fraction of them, as sparse as MNIST's
/// pixels with `zeros: 0.8`), labels uniform over `classes`.
public func syntheticStream(
    tasks: Int, samples n: Int, width: Int = 6, classes: Int = 3, seed: UInt64 = 1,
    scenario: Scenario = .domainIncremental, zeros: Float = 0
) -> TaskStream {
    var rng = RandomStream(seed: seed)
    let built = (0..<tasks).map { t -> BenchmarkTask in
        func data() -> LabeledData {
            LabeledData(
                inputs: (0..<(n * width)).map { _ in
                    let v = 2 * rng.unitFloat() - 1
                    return abs(v) < zeros ? 0 : v
                },
                labels: (0..<n).map { _ in Int32(rng.below(classes)) },
                tasks: [Int32](repeating: Int32(t), count: n), width: width)
        }
        return BenchmarkTask(index: t, train: data(), test: data(), classes: Array(0..<classes))
    }
    return TaskStream(name: "synthetic", scenario: scenario, tasks: built, inputShape: [width], classCount: classes)
}
