import ArgumentParser
import Data

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Find, read and verify the datasets (structure and SHA-256) and say where they are.",
        discussion: "Exit status 0 when every dataset asked for reads and verifies, 1 otherwise (with the reason).")

    @Option(help: "Only this dataset (default: every dataset).")
    var dataset: DatasetName?

    @Option(name: .long, help: "Folder holding mnist/ and fashion-mnist/ (or the IDX files); also GEMBENCH_DATA_DIR.")
    var dataDir: String?

    func run() throws {
        var failed = false
        for name in dataset.map({ [$0] }) ?? DatasetName.allCases {
            do {
                let loaded = try loadDataset(name, directory: dataDir)
                print(
                    "\(name.rawValue): \(loaded.directory): \(loaded.train.count) training and \(loaded.test.count) "
                        + "test images of \(loaded.train.rows)×\(loaded.train.cols), SHA-256 verified")
            } catch {
                printError("bench data: \(error)")
                failed = true
            }
        }
        if failed { throw ExitCode.failure }
    }
}
