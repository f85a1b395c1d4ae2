import Data
import Learning

/// Permuted MNIST (GEM paper, section 5): every task applies its own fixed random pixel
/// permutation to the images; all tasks share the ten classes and one head.
public enum PermutedBenchmark {
    /// - Parameters:
    ///   - samplesPerTask: training samples drawn (without replacement) per task; nil = all.
    ///   - testSamplesPerTask: test samples per task (the first n); nil = the whole test set.
    public static func make(_ source: LoadedDataset, tasks: Int, samplesPerTask: Int?,
                            testSamplesPerTask: Int? = nil, seed: UInt64) -> TaskStream {
        var permutationRNG = RandomStream(seed: seed, purpose: "permuted/permutations")
        var built: [BenchmarkTask] = []
        for t in 0..<tasks {
            let permutation = permutationRNG.permutation(source.train.width)
            var sampleRNG = RandomStream(seed: seed, purpose: "permuted/samples/\(t)")
            let trainIndices = drawSamples(samplesPerTask, of: source.train.count, &sampleRNG)
            let testIndices = Array(0..<min(testSamplesPerTask ?? source.test.count, source.test.count))
            let permute = { (image: UnsafeBufferPointer<Float>, out: UnsafeMutableBufferPointer<Float>) in
                for i in 0..<permutation.count { out[i] = image[permutation[i]] }
            }
            built.append(BenchmarkTask(
                index: t,
                train: source.train.labeledData(trainIndices, task: t, transform: permute),
                test: source.test.labeledData(testIndices, task: t, transform: permute),
                classes: Array(0..<source.name.classCount), permutation: permutation.map(Int32.init), angle: nil))
        }
        return TaskStream(name: "permuted-\(source.name.rawValue)", scenario: .domainIncremental, tasks: built,
                          inputShape: source.train.shape, classCount: source.name.classCount)
    }
}

/// `n` distinct indices of `count`, in random order; all of them (shuffled) when n is nil.
func drawSamples(_ n: Int?, of count: Int, _ rng: inout RandomStream) -> [Int] {
    var indices = rng.permutation(count)
    if let n { indices = Array(indices.prefix(n)) }
    return indices
}
