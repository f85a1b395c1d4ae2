import Foundation
import Storage
import XCTest

/// The checkpoint file: exact round trip, never taken for a run file (nor a run file for a
/// checkpoint), damage refused with a reason, and its temporary files cleaned like a run's.
final class CheckpointFileTests: XCTestCase {
    private func content() -> CheckpointContent {
        CheckpointContent(
            attributes: ["run_id": "e__gem__seed0", "task": "2", "tasks": "3", "step": "17"],
            floats: [
                "trainer/network/parameters": [1.5, -0.0, .nan, .infinity, 0x1p-149],
                "plugin0/memory/all/inputs": (0..<20_000).map { Float($0) * 0.25 },  // > 64 KiB: chunked
                "trainer/optimizer/momentum": [],
            ],
            doubles: ["trainer/result/accuracy/values": [0.1, 0.2, 1 / 3]],
            integers: ["plugin0/rng": [Int64.min, -1, 0, Int64.max], "trainer/iteration": [42]])
    }

    func testRoundTripIsExact() throws {
        let folder = try makeTemporaryDirectory()
        let url = CheckpointFile.url(forRunFile: folder.appendingPathComponent("e__gem__seed0.h5"))
        XCTAssertEqual(url.lastPathComponent, ".e__gem__seed0.h5.checkpoint")
        try CheckpointFile.write(content(), to: url)
        let back = try CheckpointFile.read(url)
        XCTAssertEqual(back.attributes, content().attributes)
        XCTAssertEqual(back.doubles, content().doubles)
        XCTAssertEqual(back.integers, content().integers)
        XCTAssertEqual(Set(back.floats.keys), Set(content().floats.keys))
        for (key, values) in content().floats {  // bit patterns: NaN and -0 included
            XCTAssertEqual(back.floats[key]!.map(\.bitPattern), values.map(\.bitPattern), key)
        }
        XCTAssertEqual(try CheckpointFile.readAttributes(url)["step"], "17")
        // replaced by the next one; the folder holds nothing else (no temporary file left)
        var next = content()
        next.attributes["step"] = "18"
        try CheckpointFile.write(next, to: url)
        XCTAssertEqual(try CheckpointFile.readAttributes(url)["step"], "18")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [url.lastPathComponent])
        try CheckpointFile.remove(url)
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    func testCheckpointsAndRunFilesAreNeverMistakenForEachOther() throws {
        let folder = try makeTemporaryDirectory()
        let run = folder.appendingPathComponent("r.h5")
        try RunFile.write(sampleRecord(), to: run)
        let checkpoint = CheckpointFile.url(forRunFile: run)
        try CheckpointFile.write(content(), to: checkpoint)
        XCTAssertFalse(RunFile.isComplete(checkpoint))
        XCTAssertThrowsError(try RunFile.read(checkpoint)) {
            XCTAssertTrue("\($0)".hasSuffix("not a GEMBench run file: its header says 'GEMBench checkpoint'"), "\($0)")
        }
        XCTAssertThrowsError(try CheckpointFile.read(run)) { error in
            XCTAssertEqual(
                "\(error)", "checkpoint \(run.path): not a GEMBench checkpoint: its header says 'GEMBench run file'")
        }
    }

    func testDamageIsRefusedWithItsReason() throws {
        let folder = try makeTemporaryDirectory()
        let url = folder.appendingPathComponent(".x.h5.checkpoint")
        try CheckpointFile.write(content(), to: url)
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 100] ^= 0xFF
        try bytes.write(to: url)
        XCTAssertThrowsError(try CheckpointFile.read(url)) {
            XCTAssertTrue("\($0)".hasSuffix("damaged: content hash mismatch (bytes changed since written)"), "\($0)")
        }
        try bytes.prefix(bytes.count / 2).write(to: url)
        XCTAssertThrowsError(try CheckpointFile.readAttributes(url)) {
            XCTAssertTrue("\($0)".contains("damaged: truncated"), "\($0)")
        }
    }

    func testTemporaryFilesOfGoneWritersAreRemoved() throws {
        let folder = try makeTemporaryDirectory()
        // pid 2^22 + 1 is above Linux's largest pid: no such process
        let stale = folder.appendingPathComponent("..x.h5.checkpoint.partial-4194305")
        try Data([1, 2, 3]).write(to: stale)
        XCTAssertEqual(try RunFile.removeStalePartials(in: folder), [stale.lastPathComponent])
    }
}
