import ArgumentParser
import Data
import Dispatch
import Foundation
import Glibc

struct FetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download CIFAR-10, CIFAR-100 or Fashion-MNIST from its official URL into the data folder.",
        discussion: """
            Installs <data folder>/<dataset>, where the data folder is --data-dir, else GEMBENCH_DATA_DIR, \
            else Data/ of this checkout (where runs look). Checks the published size and MD5 before unpacking, \
            unpacks into a temporary folder, reads it back (sizes, labels, digests) and only then renames it into \
            place. An interrupted download is resumed by running the same command again.
            """)

    @Argument(help: "cifar10, cifar100 or fashion-mnist.")
    var dataset: DatasetName

    @Option(name: .long, help: "Data folder to install into (as <dir>/<dataset>); also GEMBENCH_DATA_DIR.")
    var dataDir: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Download from <url>/<file name> instead (a local copy); the published sizes and MD5s still apply.",
            valueName: "url"))
    var mirror: String?

    func run() throws {
        let fetcher: DatasetFetcher
        let folder: String
        let source: DatasetLocator.Source
        do {
            fetcher = try DatasetFetcher(dataset, mirror: mirror)
            (folder, source) = try DatasetLocator.fetchDirectory(explicitDirectory: dataDir)
        } catch {
            throw fail("\(error)")
        }
        say("bench fetch \(dataset): into \(folder)/\(dataset.rawValue) (data folder: \(source.rawValue))")
        let progress = DownloadProgress()
        let start = DispatchTime.now()
        do {
            let report = try fetcher.fetch(into: folder, events: progress.handle)
            progress.finish()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            let d = report.dataset
            say(
                "\(dataset.displayName) \(report.installed ? "installed" : "present") in \(report.destination):"
                    + " \(d.train.count) training + \(d.test.count) test images, \(dataset.classCount) classes"
                    + " (\(ProgressPrinter.clock(seconds)))")
        } catch {
            progress.finish()
            throw fail("\(error)")
        }
    }
}

/// A fetch's messages on stdout; download progress on stderr, as a bar redrawn in place on a
/// terminal (at most 10 times a second) or a line per 10% otherwise.
final class DownloadProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let drawsBar = isatty(STDERR_FILENO) == 1
    private var barShown = false
    private var lastDraw = DispatchTime(uptimeNanoseconds: 0)
    private var lastTenth: [String: Int64] = [:]
    private var started: [String: (time: DispatchTime, bytes: Int64)] = [:]

    var handle: @Sendable (FetchEvent) -> Void { { [self] in self.receive($0) } }

    func finish() {
        lock.withLock { clearBar() }
    }

    private func receive(_ event: FetchEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case .message(let text):
            clearBar()
            say("  " + text)
        case .progress(let url, let received, let total):
            let now = DispatchTime.now()
            let first = started[url] ?? (now, received)
            started[url] = first
            let seconds = Double(now.uptimeNanoseconds - first.time.uptimeNanoseconds) / 1e9
            let rate = seconds > 0 ? Double(received - first.bytes) / seconds : 0
            let file = url.split(separator: "/").last.map(String.init) ?? url
            if drawsBar {
                guard Double(now.uptimeNanoseconds - lastDraw.uptimeNanoseconds) > 1e8 || received == total else {
                    return
                }
                lastDraw = now
                var line = "\r  \(file) "
                if let total, total > 0 {
                    let fraction = Double(received) / Double(total)
                    let eta = rate > 0 ? Double(total - received) / rate : 0
                    line +=
                        "[\(ProgressPrinter.bar(fraction))] \(Int(fraction * 100))%  \(megabytes(received))"
                        + " of \(megabytes(total))  ETA \(ProgressPrinter.clock(eta))"
                } else {
                    line += megabytes(received)
                }
                FileHandle.standardError.write(Foundation.Data((line + "  \(megabytes(Int64(rate)))/s   ").utf8))
                barShown = true
            } else if let total, total > 0 {
                let tenth = received * 10 / total
                guard tenth > (lastTenth[url] ?? -1) else { return }
                lastTenth[url] = tenth
                printError("  \(file): \(tenth * 10)% (\(megabytes(received)) of \(megabytes(total)))")
            }
        }
    }

    private func clearBar() {
        if barShown { FileHandle.standardError.write(Foundation.Data("\r\u{1B}[K".utf8)) }
        barShown = false
    }

    private func megabytes(_ bytes: Int64) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }
}

/// A line on stdout, unbuffered so that it keeps its place among the progress lines on stderr.
private func say(_ text: String) {
    FileHandle.standardOutput.write(Foundation.Data((text + "\n").utf8))
}
