import ArgumentParser
import Foundation
import Storage

struct SummarizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summarize",
        abstract:
            "Write run summaries: a run file without its model, memory and per-step losses, small enough to commit.",
        discussion: """
            A summary keeps the run's identity, config, dataset checksums, tasks, metrics (R, b, ACC/BWT/FWT, \
            forgetting, early accuracies and LCA, eval_every curves), the task of every step and the timings: \
            87 KB where the run file of a GEM run of the A-GEM paper's permuted MNIST takes 5.2 MB. bench report reads summaries as it \
            reads run files, bench show prints them and bench rerun checks what they keep bit for bit, so the \
            runs behind a committed table can ship with it (Results/agem-paper/runs). Each summary takes its \
            run file's name in --out. Nothing is written unless every input reads as a sound, finite run and \
            no summary would replace a file (--force replaces other summaries, never a run file).
            """)

    @Argument(help: "Run files, or folders whose run files (*.h5) are all summarized.")
    var inputs: [String]

    @Option(name: .long, help: "Folder for the summaries.")
    var out: String

    @Flag(name: .long, help: "Replace summaries that already exist.")
    var force = false

    func run() throws {
        let outFolder = URL(fileURLWithPath: out)
        var jobs: [(source: URL, record: RunRecord, target: URL)] = []
        var problems: [String] = []
        for source in try runFiles() {
            let target = outFolder.appendingPathComponent(source.lastPathComponent)
            do {
                let record = try RunFile.read(source)
                if let bad = record.firstNonFinite {
                    problems.append("\(source.path): diverged (\(bad)); a summary of it would mean nothing")
                } else if let clash = clash(target, source: source) {
                    problems.append(clash)
                } else {
                    jobs.append((source, record, target))
                }
            } catch let error as RunFileError {
                problems.append("\(source.path): \(error.reason)")
            } catch {
                problems.append("\(source.path): \(error)")
            }
        }
        guard problems.isEmpty else {
            throw fail("summarize: nothing written:\n" + problems.map { "  " + $0 }.joined(separator: "\n"))
        }
        for job in jobs {
            do {
                try RunFile.writeSummary(job.record, to: job.target, overwrite: force)
            } catch {
                throw fail("summarize: \(error)")
            }
            print("\(job.target.path): \(Self.size(job.source)) -> \(Self.size(job.target))")
        }
    }

    /// The run files the inputs name: files as given, folders' `*.h5` in name order.
    private func runFiles() throws -> [URL] {
        var files: [URL] = []
        for input in inputs {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isFolder) else {
                throw fail("summarize: \(input): no such file or folder")
            }
            guard isFolder.boolValue else {
                files.append(URL(fileURLWithPath: input))
                continue
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: input).sorted()
            let runs = names.filter { $0.hasSuffix("." + RunFile.fileExtension) && !$0.hasPrefix(".") }
            guard !runs.isEmpty else { throw fail("summarize: \(input): a folder without run files (*.h5)") }
            files += runs.map { URL(fileURLWithPath: input).appendingPathComponent($0) }
        }
        return files
    }

    /// Why `target` must not be written: it is the source itself, a run file, or (without
    /// --force) any file; nil when it may be.
    private func clash(_ target: URL, source: URL) -> String? {
        guard FileManager.default.fileExists(atPath: target.path) else { return nil }
        if target.standardizedFileURL.resolvingSymlinksInPath() == source.standardizedFileURL.resolvingSymlinksInPath()
        {
            return "\(source.path): --out is the run file's own folder; a summary would replace the run"
        }
        if (try? RunFile.readStored(target))?.content != .summary {
            return "\(target.path): exists and is not a run summary; it is left as it is"
        }
        return force ? nil : "\(target.path): a summary already exists (--force replaces it)"
    }

    private static func size(_ url: URL) -> String {
        let bytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        return bytes >= 1 << 20
            ? String(format: "%.1f MB", Double(bytes) / 1_048_576)
            : String(format: "%.0f KB", (Double(bytes) / 1024).rounded(.up))
    }
}
