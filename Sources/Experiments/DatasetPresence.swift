// Datasets checked before a plan trains or is submitted, not when a run (on a SLURM node, maybe
// hours later) reaches them.

import Data

/// One message per dataset that `runs` need and whose files are not in the data folder (as
/// `loadDataset` finds them, `dataDirectory` as `--data-dir`), naming its runs' experiments and
/// the `bench fetch` that installs it. Only the files' presence is checked: their checksums
/// are verified when a run loads them.
public func missingDatasets(for runs: [RunSpec], dataDirectory: String?) -> [String] {
    var problems: [String] = []
    var checked: Set<DatasetName> = []
    for run in runs where checked.insert(run.benchmark.dataset).inserted {
        let name = run.benchmark.dataset
        do { _ = try DatasetLocator.locate(name, explicitDirectory: dataDirectory) } catch {
            let needing = runs.filter { $0.benchmark.dataset == name }
            var experiments: [String] = []
            for run in needing where !experiments.contains(run.experiment) { experiments.append(run.experiment) }
            var text =
                "\(needing.count) run(s) to train need \(name.displayName) "
                + "(\(experiments.joined(separator: ", "))), which is not in the data folder"
            if FetchSource.official(name) != nil {
                text +=
                    "; fetch it with: bench fetch \(name.rawValue)"
                    + (dataDirectory.map { " --data-dir \($0)" } ?? "")
            }
            problems.append(text + "\n    " + "\(error)".replacingOccurrences(of: "\n", with: "\n    "))
        }
    }
    return problems
}
