import ArgumentParser
import Foundation
import Reporting
import Storage

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "One run's identity, metrics and accuracy matrix.")

    @Argument(help: "A run file or run summary (.h5).")
    var runFile: String

    func run() throws {
        let url = URL(fileURLWithPath: runFile)
        let record: RunRecord
        let content: RunFile.Content
        do {
            (record, content) = try RunFile.readStored(url)
        } catch let error as RunFileError {
            // the file as the user named it
            FileHandle.standardError.write(Data("bench show: \(runFile): \(error.reason)\n".utf8))
            throw ExitCode.failure
        } catch {
            FileHandle.standardError.write(Data("bench show: \(error)\n".utf8))
            throw ExitCode.failure
        }
        print(ShowText.render(record, fileName: url.lastPathComponent, content: content), terminator: "")
    }
}
