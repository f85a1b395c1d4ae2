import Foundation
import Storage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The output folder of `bench report`, guarded so that a report never silently replaces what
/// it did not make: its list of files (`report-files.txt`) names what an earlier report wrote
/// there; any other file in the way, and rows of an existing runs.csv whose runs the new report
/// does not have (a folder of tables made from more runs), stop it unless it is forced.
public enum ReportFolder {
    /// The list of the files a report wrote, in its output folder.
    public static let manifestName = "report-files.txt"

    /// Why a report would not write.
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        /// Files in the way that no earlier report listed, relative to the folder.
        case foreignFiles(folder: String, files: [String])
        /// Rows of the folder's runs.csv for runs the report does not have.
        case droppedRows(csv: String, runsFolder: String, rows: [RunRow])

        public var description: String {
            switch self {
            case .foreignFiles(let folder, let files):
                return
                    "\(folder) holds files that bench report did not write there (\(manifestName) does not list them): "
                    + files.joined(separator: ", ") + ". Write elsewhere with --out DIR, or replace them with --force."
            case .droppedRows(let csv, let runsFolder, let rows):
                return
                    "\(csv) has \(rows.count) rows for runs that are not in \(runsFolder); this report would drop them:\n"
                    + RunRow.describe(rows) + "\nWrite elsewhere with --out DIR, or replace them with --force."
            }
        }
    }

    /// A row of a runs.csv: the run file and what it ran.
    public struct RunRow: Equatable, Sendable {
        public var file: String, experiment: String, strategy: String, seed: String

        /// One line per experiment: its strategies, row count and seeds.
        static func describe(_ rows: [RunRow]) -> String {
            let experiments = Dictionary(grouping: rows, by: \.experiment)
            return experiments.keys.sorted().map { experiment in
                let members = experiments[experiment]!
                let strategies = Set(members.map(\.strategy)).sorted().joined(separator: ", ")
                let seeds = Set(members.map(\.seed)).sorted { (Int($0) ?? 0, $0) < (Int($1) ?? 0, $1) }
                return "  \(experiment): \(strategies) (\(members.count) rows, seeds \(seeds.joined(separator: " ")))"
            }.joined(separator: "\n")
        }
    }

    /// The files an earlier report listed in `folder`, relative to it; empty without a list.
    /// Lines that would lead out of the folder (absolute, or with "..") are ignored.
    public static func listedFiles(in folder: URL) -> Set<String> {
        guard let text = try? String(contentsOf: folder.appendingPathComponent(manifestName), encoding: .utf8) else {
            return []
        }
        return Set(
            text.split(separator: "\n").map(String.init).filter { line in
                !line.isEmpty && !line.hasPrefix("#") && !line.hasPrefix("/")
                    && !line.split(separator: "/").contains("..")
            })
    }

    /// Throws the first reason not to write `planned` (paths relative to `folder`) for a report
    /// of `runs` read from `runsFolder`, or nothing when the report may write.
    static func check(_ folder: URL, planned: [String], runs: [RunSummary], runsFolder: String) throws {
        let listed = listedFiles(in: folder)
        let foreign = planned.filter { !listed.contains($0) && exists(folder.appendingPathComponent($0)) }
        if !foreign.isEmpty { throw Refusal.foreignFiles(folder: folder.path, files: foreign) }
        let csv = folder.appendingPathComponent("runs.csv")
        guard let text = try? String(contentsOf: csv, encoding: .utf8) else { return }
        let kept = Set(runs.map(\.fileName))
        let dropped = rows(ofRunsCSV: text).filter { !kept.contains($0.file) }
        if !dropped.isEmpty { throw Refusal.droppedRows(csv: csv.path, runsFolder: runsFolder, rows: dropped) }
    }

    /// Writes the list of `files` (relative paths, sorted: the list regenerates byte for byte).
    static func writeManifest(_ files: Set<String>, in folder: URL) throws {
        let text =
            "# Written by `bench report` (docs/reporting.md). It replaces or removes only the files listed here;\n"
            + "# any other file in their place stops it unless --force.\n" + files.sorted().joined(separator: "\n")
            + "\n"
        let url = folder.appendingPathComponent(manifestName)
        do { try Data(text.utf8).write(to: url, options: .atomic) } catch {
            throw RunFileError.io(path: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Removes the files of an earlier report that this one did not write (a benchmark or a
    /// strategy no longer in the runs), so the folder holds one report.
    static func removeStale(_ listed: Set<String>, written: Set<String>, in folder: URL) {
        for name in listed.subtracting(written) { unlink(folder.appendingPathComponent(name).path) }
    }

    /// The rows of a runs.csv as `Tables.runsCSV` writes it (fields quoted when they hold a
    /// comma, quote or newline). Rows without a file name are left out.
    static func rows(ofRunsCSV text: String) -> [RunRow] {
        let records = csvRecords(text)
        guard let header = records.first else { return [] }
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        guard let file = column("file") else { return [] }
        let (experiment, strategy, seed) = (column("experiment"), column("strategy"), column("seed"))
        func field(_ record: [String], _ index: Int?) -> String {
            index.flatMap { $0 < record.count ? record[$0] : nil } ?? ""
        }
        return records.dropFirst().compactMap { record in
            let name = field(record, file)
            return name.isEmpty
                ? nil
                : RunRow(
                    file: name, experiment: field(record, experiment),
                    strategy: field(record, strategy), seed: field(record, seed))
        }
    }

    /// CSV records: fields split at commas outside double quotes; "" inside quotes is a quote.
    private static func csvRecords(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var previous: Character? = nil
        for c in text {
            if quoted {
                if c == "\"" { quoted = false } else { field.append(c) }
            } else if c == "\"" {
                if previous == "\"" { field.append("\"") }  // the second quote of a pair
                quoted = true
            } else if c == "," {
                record.append(field)
                field = ""
            } else if c == "\n" || c == "\r\n" {
                records.append(record + [field])
                (record, field) = ([], "")
            } else {
                field.append(c)
            }
            previous = c
        }
        if !field.isEmpty || !record.isEmpty { records.append(record + [field]) }
        return records
    }

    private static func exists(_ url: URL) -> Bool {
        var status = stat()
        return lstat(url.path, &status) == 0
    }
}
