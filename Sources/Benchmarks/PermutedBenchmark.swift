import Data
import Learning

/// Permuted MNIST (GEM paper, section 5): every task applies its own fixed random pixel
/// permutation to the images; all tasks share the ten classes and one head.
public enum PermutedBenchmark {
    /// - Parameters:
    ///   - samplesPerTask: training samples drawn (without replacement) per task; nil = all.
    ///   - testSamplesPerTask: test samples per task (the first n); nil = the whole test set.
    public static func make(
        _ source: LoadedDataset, tasks: Int, samplesPerTask: Int?,
        testSamplesPerTask: Int? = nil, seed: UInt64
    ) -> TaskStream {
        var permutationRNG = RandomStream(seed: seed, purpose: "permuted/permutations")
        // every task reads the same test images, through its own permutation
        let test = ImageRows(
            source.test,
            indices: Array(
                0..<min(
                    testSamplesPerTask ?? source.test.count,
                    source.test.count)))
        var built: [BenchmarkTask] = []
        for t in 0..<tasks {
            let permutation = permutationRNG.permutation(source.train.width).map(Int32.init)
            var sampleRNG = RandomStream(seed: seed, purpose: "permuted/samples/\(t)")
            let train = ImageRows(
                source.train, indices: drawSamples(samplesPerTask, of: source.train.count, &sampleRNG))
            built.append(
                BenchmarkTask(
                    index: t, train: TaskSamples(train, task: t, permutation: permutation),
                    test: TaskSamples(test, task: t, permutation: permutation),
                    classes: Array(0..<source.name.classCount), permutation: permutation, angle: nil))
        }
        return TaskStream(
            name: "permuted-\(source.name.rawValue)", scenario: .domainIncremental, tasks: built,
            inputShape: source.train.shape, classCount: source.name.classCount)
    }
}

/// `n` distinct indices of `count`, in random order; all of them (shuffled) when n is nil.
func drawSamples(_ n: Int?, of count: Int, _ rng: inout RandomStream) -> [Int] {
    var indices = rng.permutation(count)
    if let n { indices = Array(indices.prefix(n)) }
    return indices
}
