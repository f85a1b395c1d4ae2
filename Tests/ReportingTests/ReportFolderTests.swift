import Foundation
import Storage
import XCTest

@testable import Reporting

/// The output folder of a report: where it goes by default, what it refuses to replace, what
/// it lists and removes; and the PDF and PNG copies of its figures.
final class ReportFolderTests: XCTestCase {
    /// A runs folder of the hand runs (files with matching R and b), and the runs it holds.
    private func runsFolder(_ records: [RunRecord] = handRuns()) throws -> URL {
        let runs = try makeTemporaryDirectory().appendingPathComponent("runs")
        for record in records.map(withMatchingMatrix) {
            try RunFile.write(
                record,
                to: RunFile.url(
                    in: runs, experiment: record.experiment, strategy: record.strategy,
                    seed: record.seed))
        }
        return runs
    }

    private func bytes(_ folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: folder.path) {
            let url = folder.appendingPathComponent(name)
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue {
                files[name] = try Data(contentsOf: url)
            }
        }
        return files
    }

    /// Before: the parent of the runs folder, shared by every runs folder beside it
    /// (`bench report A` and `bench report B` mixed their figures in one folder).
    func testTheDefaultOutputIsAReportFolderInsideTheRunsFolder() {
        XCTAssertEqual(
            Report.defaultOutputDirectory(for: URL(fileURLWithPath: "/x/Results/runs")).path, "/x/Results/runs/report")
        XCTAssertNotEqual(
            Report.defaultOutputDirectory(for: URL(fileURLWithPath: "/x/a")),
            Report.defaultOutputDirectory(for: URL(fileURLWithPath: "/x/b")))
    }

    /// Before: a report replaced any file of the same name, and a runs.csv of more runs, silently.
    func testAReportReplacesOnlyWhatAnEarlierReportListedUnlessForced() throws {
        let runs = try runsFolder()
        let out = runs.deletingLastPathComponent().appendingPathComponent("out")
        let first = try Report.write(runsDirectory: runs, to: out, command: nil)
        let listed = ReportFolder.listedFiles(in: out)
        XCTAssertEqual(listed, Set(first.files.map { String($0.path.dropFirst(out.path.count + 1)) }))
        XCTAssertTrue(listed.contains("runs.csv") && listed.contains("figures/permuted-mnist-metrics.svg"))
        _ = try Report.write(runsDirectory: runs, to: out, command: nil)  // its own files: replaced

        // a file it did not write is in the way: nothing is written
        let other = runs.deletingLastPathComponent().appendingPathComponent("other")
        try FileManager.default.createDirectory(
            at: other.appendingPathComponent("figures"), withIntermediateDirectories: true)
        try Data("my notes\n".utf8).write(to: other.appendingPathComponent("summary.md"))
        try Data("<svg/>".utf8).write(to: other.appendingPathComponent("figures/split-mnist-metrics.svg"))
        let before = try bytes(other)
        XCTAssertThrowsError(try Report.write(runsDirectory: runs, to: other, command: nil)) { error in
            XCTAssertEqual(
                error as? ReportFolder.Refusal,
                .foreignFiles(folder: other.path, files: ["summary.md", "figures/split-mnist-metrics.svg"]))
        }
        XCTAssertEqual(try bytes(other), before)
        _ = try Report.write(runsDirectory: runs, to: other, options: Report.Options(command: nil, force: true))
        XCTAssertTrue(ReportFolder.listedFiles(in: other).contains("summary.md"))

        // a runs folder with one of the six runs: the other five rows of out/runs.csv would go
        let one = try runsFolder([handRuns()[3]])
        let tables = try bytes(out)
        XCTAssertThrowsError(try Report.write(runsDirectory: one, to: out, command: nil)) { error in
            guard case .droppedRows(_, _, let rows)? = error as? ReportFolder.Refusal else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(
                rows.map(\.file),
                [
                    "permuted-mnist__gem__seed0.h5", "permuted-mnist__gem__seed1.h5",
                    "permuted-mnist__gem__seed2.h5", "split-mnist__joint__seed0.h5",
                    "split-mnist__joint__seed1.h5",
                ])
            XCTAssertTrue(
                "\(error)".contains(
                    "  permuted-mnist: gem (3 rows, seeds 0 1 2)\n  split-mnist: joint (2 rows, seeds 0 1)"),
                "\(error)")
            XCTAssertTrue("\(error)".contains("--force"))
        }
        XCTAssertEqual(try bytes(out), tables)
        // forced: the earlier report's files that this one does not write are removed
        let forced = try Report.write(runsDirectory: one, to: out, options: Report.Options(command: nil, force: true))
        XCTAssertEqual(
            Set(try bytes(out).keys),
            Set(forced.files.map { String($0.path.dropFirst(out.path.count + 1)) })
                .union([ReportFolder.manifestName]))
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: out.appendingPathComponent("figures/split-mnist-metrics.svg").path))
    }

    /// A list edited to name files outside the folder never leads a report to remove them.
    func testListedFilesOutsideTheFolderAreIgnored() throws {
        let runs = try runsFolder()
        let root = runs.deletingLastPathComponent()
        let out = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let outside = root.appendingPathComponent("keep.txt")
        try Data("mine\n".utf8).write(to: outside)
        try Data("# list\n../keep.txt\n\(outside.path)\nfigures/../../keep.txt\nold.svg\n".utf8)
            .write(to: out.appendingPathComponent(ReportFolder.manifestName))
        XCTAssertEqual(ReportFolder.listedFiles(in: out), ["old.svg"])
        _ = try Report.write(runsDirectory: runs, to: out, command: nil)
        XCTAssertEqual(try String(contentsOf: outside, encoding: .utf8), "mine\n")
    }

    func testRunsCSVRowsAreReadWithQuotedFields() {
        let text =
            "file,experiment,strategy,seed,acc\na.h5,\"e,1\",\"say \"\"hi\"\"\",0,0.5\n,x,y,1,0.1\nb.h5,e,s,2,0.2\n"
        XCTAssertEqual(
            ReportFolder.rows(ofRunsCSV: text),
            [
                ReportFolder.RunRow(file: "a.h5", experiment: "e,1", strategy: "say \"hi\"", seed: "0"),
                ReportFolder.RunRow(file: "b.h5", experiment: "e", strategy: "s", seed: "2"),
            ])
    }

    /// Before: SVG only. The copies are checked against the SVG's own size: the PNG's header
    /// holds twice its pixels, the PDF's page box its size in points (0.75 a pixel).
    func testEveryFigureHasAPDFAndAPNGOfItsSizeWrittenByteForByteAgain() throws {
        guard FigureExport.converter() != nil else {
            return XCTFail("rsvg-convert is not on PATH: install Debian's librsvg2-bin (scripts/install-deps.sh)")
        }
        let runs = try runsFolder()
        let out = runs.deletingLastPathComponent().appendingPathComponent("out")
        let options = Report.Options(command: nil, pdfAndPNG: true)
        let outcome = try Report.write(runsDirectory: runs, to: out, options: options)
        XCTAssertEqual(outcome.warnings, [])
        let svgs = outcome.files.filter { $0.pathExtension == "svg" }
        XCTAssertEqual(svgs.count, 8)
        for svg in svgs {
            let (width, height) = ReportPage.size(of: try String(contentsOf: svg, encoding: .utf8))
            let png = try Data(contentsOf: svg.deletingPathExtension().appendingPathExtension("png"))
            XCTAssertEqual(
                Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], svg.lastPathComponent)
            let be32 = { (at: Int) in png[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
            XCTAssertEqual(Double(be32(16)), (2 * Double(width)!).rounded(.up), accuracy: 1, svg.lastPathComponent)
            XCTAssertEqual(Double(be32(20)), (2 * Double(height)!).rounded(.up), accuracy: 1, svg.lastPathComponent)
            let pdf = try Data(contentsOf: svg.deletingPathExtension().appendingPathExtension("pdf"))
            XCTAssertEqual(String(decoding: pdf.prefix(5), as: UTF8.self), "%PDF-")
            let text = String(decoding: pdf, as: UTF8.self)
            let box = try XCTUnwrap(
                text.range(of: #"/MediaBox \[ ?0 0 [0-9.]+ [0-9.]+ ?\]"#, options: .regularExpression))
            let numbers = text[box].split(whereSeparator: { " []".contains($0) }).compactMap { Double($0) }
            XCTAssertEqual(numbers[2], 0.75 * Double(width)!, accuracy: 0.5, svg.lastPathComponent)
            XCTAssertEqual(numbers[3], 0.75 * Double(height)!, accuracy: 0.5, svg.lastPathComponent)
        }
        let first = try bytes(out)
        _ = try Report.write(runsDirectory: runs, to: out, options: options)
        XCTAssertEqual(try bytes(out), first)
        // SVG only now: the copies, which this report does not write, are gone
        _ = try Report.write(runsDirectory: runs, to: out, command: nil)
        XCTAssertEqual(Set(try bytes(out).keys.filter { $0.hasSuffix(".pdf") || $0.hasSuffix(".png") }), [])
        XCTAssertNil(FigureExport.converter(path: "/nonexistent:/also-not-there"))
    }
}
