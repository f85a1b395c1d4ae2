import Foundation
import Storage
import XCTest

final class RunFileTests: XCTestCase {
    func testFileNameIsExperimentStrategySeed() {
        XCTAssertEqual(
            RunFile.fileName(experiment: "permuted-mnist", strategy: "gem", seed: 0), "permuted-mnist__gem__seed0.h5")
        XCTAssertEqual(RunFile.fileName(experiment: "a/b c", strategy: "x", seed: 12), "a-b-c__x__seed12.h5")
    }

    func testRecordRoundTripsEqual() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("run.h5")
        let record = sampleRecord()
        try RunFile.write(record, to: url)
        XCTAssertEqual(try RunFile.read(url), record)
        var noMemory = sampleRecord(withMemory: false)
        noMemory.metrics.bwt = nil
        noMemory.metrics.fwt = nil
        noMemory.metrics.forgetting = nil
        try RunFile.write(noMemory, to: url, overwrite: true)
        XCTAssertEqual(try RunFile.read(url), noMemory)
        // layer state (batch-norm statistics) is stored beside the parameters when a model has it
        var withState = sampleRecord()
        withState.layerState = [0.5, -1, 2, 0.25]
        withState.stateLayout = [
            LayerLayoutEntry(name: "layer1.running_mean", shape: [2], offset: 0, count: 2),
            LayerLayoutEntry(name: "layer1.running_var", shape: [2], offset: 2, count: 2),
        ]
        try RunFile.write(withState, to: url, overwrite: true)
        XCTAssertEqual(try RunFile.read(url), withState)
        // files written before the rename store GEM's binding-constraint count as gem_active_set
        var old = sampleRecord()
        old.diagnostics["gem_active_set"] = old.diagnostics.removeValue(forKey: "gem_binding_constraints")
        try RunFile.write(old, to: url, overwrite: true)
        XCTAssertEqual(try RunFile.read(url).diagnostics, sampleRecord().diagnostics)
        var misfit = withState
        misfit.stateLayout[1] = LayerLayoutEntry(name: "layer1.running_var", shape: [3], offset: 2, count: 3)
        XCTAssertThrowsError(try RunFile.write(misfit, to: url, overwrite: true)) { error in
            XCTAssertTrue(
                "\(error)".contains("state 'layer1.running_var' (offset 2, shape [3]) does not fit 4 state values"),
                "\(error)")
        }
    }

    func testSummaryHoldsIdentityMetricsAndTimings() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("run.h5")
        try RunFile.write(sampleRecord(seed: 3), to: url)
        let summary = try RunFile.readSummary(url)
        XCTAssertEqual(summary.fileName, "run.h5")
        XCTAssertEqual(summary.seed, 3)
        XCTAssertEqual(summary.scenario, "domain-incremental")
        XCTAssertEqual(summary.taskCount, 3)
        XCTAssertEqual(summary.metrics.bwt, -0.15)
        XCTAssertEqual(summary.metrics.forgetting, 0.15)
        XCTAssertEqual(summary.metrics.bwtOverAllTasks, -0.1)
        XCTAssertEqual(summary.trainSeconds, 6.75)
        XCTAssertEqual(summary.evalSeconds, 1.25)
    }

    /// A run summary keeps identity, config, tasks, metrics, step tasks and timings, and nothing of the
    /// model, memory, losses or diagnostics; reports read it as they read the run file.
    /// `bench summarize` (from the record) and reports (from the file) name the same first
    /// non-finite value: the losses before the parameters, each at its first bad index.
    func testTheFirstNonFiniteValueIsNamedAlikeFromARecordAndFromItsFile() throws {
        let folder = try makeTemporaryDirectory()
        var record = sampleRecord(seed: 3)
        XCTAssertNil(record.firstNonFinite)
        record.parameters[2] = -.infinity
        XCTAssertEqual(record.firstNonFinite, "/model/parameters[2] = -inf")
        record.stepLoss[1] = .nan
        record.stepLoss[2] = .infinity
        XCTAssertEqual(record.firstNonFinite, "/train/loss[1] = nan")
        let file = folder.appendingPathComponent("diverged.h5")
        try RunFile.write(record, to: file)
        XCTAssertEqual(try RunFile.readSummary(file).firstNonFinite, "/train/loss[1] = nan")
    }

    func testRunSummaryKeepsWhatReportsNeedAndRefusesToPassForARun() throws {
        let folder = try makeTemporaryDirectory()
        let run = folder.appendingPathComponent("run.h5")
        let summary = folder.appendingPathComponent("summary.h5")
        var record = sampleRecord(seed: 2)
        record.curve = [[0.5, 0.1, 0.1], [0.9, 0.2, 0.1]]
        record.curveStep = [1, 2]
        record.earlyAccuracy = [[0.1, 0.5], [0.12, 0.6], [0.08, 0.7]]
        record.metrics.lca = 0.6
        try RunFile.write(record, to: run)
        try RunFile.writeSummary(record, to: summary)

        let (stored, content) = try RunFile.readStored(summary)
        XCTAssertEqual(content, .summary)
        XCTAssertEqual(stored, record.summarized())
        XCTAssertEqual(stored.accuracyMatrix, record.accuracyMatrix)
        XCTAssertEqual(stored.tasks, record.tasks)
        XCTAssertEqual(stored.stepTask, record.stepTask)
        XCTAssertEqual(stored.earlyAccuracy, record.earlyAccuracy)
        XCTAssertTrue(stored.parameters.isEmpty && stored.stepLoss.isEmpty && stored.diagnostics.isEmpty)
        XCTAssertNil(stored.memory)
        XCTAssertEqual(try RunFile.readStored(run).content, .run)

        var fromSummary = try RunFile.readSummary(summary)
        fromSummary.fileName = "run.h5"
        XCTAssertEqual(fromSummary, try RunFile.readSummary(run))

        // a summary is not a run: resuming, `bench run` and anything that needs the model refuse it
        XCTAssertFalse(RunFile.isComplete(summary))
        XCTAssertThrowsError(try RunFile.read(summary)) { error in
            XCTAssertTrue("\(error)".contains("a run summary (bench summarize)"), "\(error)")
        }
        // h5py, an independent reader, sees only the kept groups
        let layout = try runPython(
            """
            import h5py, sys
            f = h5py.File(sys.argv[1], "r")
            print(sorted(f.keys()), sorted(f["train"].keys()), f.attrs["content"])
            """, [summary.path])
        XCTAssertEqual(layout.status, 0, layout.stderr)
        XCTAssertEqual(
            layout.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
            "['config', 'metrics', 'tasks', 'train'] ['task', 'task_eval_seconds', 'task_train_seconds'] summary")
        // its seal guards it as a run file's does
        var bytes = try Data(contentsOf: summary)
        bytes[bytes.count - 100] ^= 0x01
        try bytes.write(to: summary)
        XCTAssertThrowsError(try RunFile.readSummary(summary)) { error in
            XCTAssertTrue("\(error)".contains("content hash mismatch"), "\(error)")
        }
    }

    /// h5py, an independent reader, sees the documented layout and recomputes the metrics.
    func testH5pyReadsSwiftWrittenRunFile() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("run.h5")
        var record = sampleRecord()
        try RunFile.write(record, to: url)
        let script = """
            import sys, json, math, h5py, numpy as np
            f = h5py.File(sys.argv[1], 'r')
            a = f.attrs
            assert a['schema_version'] == 1 and a['seed'] == 0, dict(a)
            for k, v in [('experiment', 'permuted-mnist'), ('strategy', 'gem'), ('benchmark', 'permuted-mnist'),
                         ('gembench_version', '0.1.0'), ('git_commit', 'abc123'), ('machine', 'Test CPU · 2 cores · 1 BLAS threads'), ('created', '2026-11-28T08:40:55Z')]:
                assert isinstance(a[k], str) and a[k] == v, (k, a[k])
            assert a['config'].startswith('optimizer:\\n  lr: 0.1') and 'ünïcode' in a['config']
            assert a['sha256:train-images-idx3-ubyte'] == 'ab' * 32
            assert f['config'].attrs['optimizer.lr'] == '0.1'
            R = f['metrics/accuracy_matrix'][()]; b = f['metrics/random_init_accuracy'][()]
            assert R.shape == (3, 3) and R.dtype == np.float64 and b.shape == (3,)
            T = R.shape[0]
            acc = R[-1].mean()
            bwt = np.mean([R[-1, j] - R[j, j] for j in range(T - 1)])
            fwt = np.mean([R[j - 1, j] - b[j] for j in range(1, T)])
            m = f['metrics'].attrs
            assert abs(m['acc'] - acc) < 1e-12 and abs(m['bwt'] - bwt) < 1e-12 and abs(m['fwt'] - fwt) < 1e-12
            assert abs(acc - 0.8) < 1e-12 and abs(bwt + 0.15) < 1e-12 and abs(fwt - 0.025) < 1e-12
            assert m['undefined'] == ''
            forgetting = np.mean([R[:T - 1, j].max() - R[-1, j] for j in range(T - 1)])
            assert abs(m['forgetting'] - forgetting) < 1e-12 and abs(forgetting - 0.15) < 1e-12
            # the GEM reference code's metrics.py: means over all T tasks, zero terms included
            gem_bwt = np.mean(R[-1] - np.diag(R)); gem_fwt = np.mean([0] + [R[j - 1, j] - b[j] for j in range(1, T)])
            assert abs(m['bwt_over_all_tasks'] - gem_bwt) < 1e-12 and abs(m['fwt_over_all_tasks'] - gem_fwt) < 1e-12
            t = f['tasks']
            assert t.attrs['scenario'] == 'domain-incremental' and t.attrs['count'] == 3
            assert list(t['001/permutation'][:3]) == [783, 782, 781] and t['001'].attrs['angle'] == 45.5
            assert list(t['002/classes'][()]) == [4, 5] and 'permutation' not in t['002']
            loss = f['train/loss']
            assert loss.dtype == np.float32, loss.dtype
            assert np.array_equal(loss[()], np.float32([2.3, 1.5, 0.75, 0.5, 0.25, 0.125])), loss[()]
            assert list(f['train/task'][()]) == [0, 0, 1, 1, 2, 2]
            assert list(f['train/diagnostics/gem_violations'][()]) == [0, 0, 1, 0, 2, 1]
            assert list(f['train/task_train_seconds'][()]) == [1.5, 2.25, 3.0] and f['train'].attrs['total_seconds'] == 8.5
            p = f['model/parameters']
            assert p.shape == (78500,) and p.dtype == np.float32 and p.compression == 'gzip'
            layout = json.loads(p.attrs['layout'])
            assert layout[0] == {'name': 'fc1.weight', 'shape': [100, 784], 'offset': 0, 'count': 78400}, layout
            w = p[layout[0]['offset']:layout[0]['offset'] + layout[0]['count']].reshape(layout[0]['shape'])
            assert abs(w[1, 0] - ((784 % 97) * 0.01 - 0.3)) < 1e-6
            assert f['memory/inputs'].shape == (2, 3) and list(f['memory/labels'][()]) == [7, 3]
            assert list(f['memory/tasks'][()]) == [0, 1]
            print('ok')
            """
        var result = try runPython(script, [url.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "ok\n")

        record.metrics.bwt = nil
        record.metrics.fwt = nil
        (record.metrics.forgetting, record.metrics.bwtOverAllTasks, record.metrics.fwtOverAllTasks) = (nil, nil, nil)
        try RunFile.write(record, to: url, overwrite: true)
        result = try runPython(
            """
            import sys, math, h5py
            m = h5py.File(sys.argv[1], 'r')['metrics'].attrs
            assert math.isnan(m['bwt']) and math.isnan(m['fwt']) and math.isnan(m['forgetting']), dict(m)
            assert m['undefined'] == 'bwt,fwt,forgetting,bwt_over_all_tasks,fwt_over_all_tasks', dict(m)
            """, [url.path])
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    func testExistingRunIsNotOverwrittenUnlessAsked() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("run.h5")
        try RunFile.write(sampleRecord(seed: 1), to: url)
        XCTAssertThrowsError(try RunFile.write(sampleRecord(seed: 2), to: url)) { error in
            XCTAssertEqual(error as? RunFileError, .alreadyExists(path: url.path))
        }
        XCTAssertEqual(try RunFile.read(url).seed, 1)
        try RunFile.write(sampleRecord(seed: 2), to: url, overwrite: true)
        XCTAssertEqual(try RunFile.read(url).seed, 2)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path), ["run.h5"])
    }

    func testFailedWriteLeavesOldFileAndNoPartial() throws {
        let folder = try makeTemporaryDirectory()
        let url = folder.appendingPathComponent("run.h5")
        try RunFile.write(sampleRecord(seed: 1), to: url)
        let before = try Data(contentsOf: url)
        var broken = sampleRecord(seed: 2)
        // Memory is written last: the failure happens with most of the file already written.
        broken.memory = EpisodicMemoryRecord(inputs: [1, 2, 3], featureCount: 2, labels: [1, 2], tasks: [0, 0])
        XCTAssertThrowsError(try RunFile.write(broken, to: url, overwrite: true)) { error in
            guard case .invalidRecord(_, let reason)? = error as? RunFileError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("memory"), reason)
        }
        XCTAssertEqual(try Data(contentsOf: url), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["run.h5"])
    }

    func testPartialFileIsNeverTakenAsComplete() throws {
        let folder = try makeTemporaryDirectory()
        let url = folder.appendingPathComponent("run.h5")
        try RunFile.write(sampleRecord(), to: url)
        // A complete-looking file under a temporary name (e.g. killed just before rename).
        let partial = RunFile.partialURL(for: url)
        XCTAssertTrue(partial.lastPathComponent.hasPrefix(".run.h5.partial-"))
        try FileManager.default.copyItem(at: url, to: partial)
        XCTAssertThrowsError(try RunFile.read(partial)) { error in
            XCTAssertEqual(error as? RunFileError, .incomplete(path: partial.path))
        }
        XCTAssertThrowsError(try RunFile.readSummary(partial))
    }

    func testCompletenessAndStalePartialCleanup() throws {
        let folder = try makeTemporaryDirectory()
        let url = folder.appendingPathComponent("run.h5")
        XCTAssertFalse(RunFile.isComplete(url))
        try RunFile.write(sampleRecord(), to: url)
        XCTAssertTrue(RunFile.isComplete(url))
        let bytes = try Data(contentsOf: url)
        let dead = folder.appendingPathComponent(".x.h5.partial-999999999")  // above Linux's pid_max
        let live = RunFile.partialURL(for: folder.appendingPathComponent("y.h5"))
        try bytes.write(to: dead)
        try bytes.write(to: live)
        XCTAssertFalse(RunFile.isComplete(dead))
        XCTAssertFalse(RunFile.isPartial("my.partial.h5"))
        XCTAssertEqual(try RunFile.removeStalePartials(in: folder), [".x.h5.partial-999999999"])
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(),
            [live.lastPathComponent, "run.h5"])
    }

    func testTruncatedFileGivesClearError() throws {
        let folder = try makeTemporaryDirectory()
        let url = folder.appendingPathComponent("run.h5")
        try RunFile.write(sampleRecord(), to: url)
        let bytes = try Data(contentsOf: url)
        for fraction in [0.0, 0.01, 0.1, 0.5, 0.9, 0.999] {
            let cut = folder.appendingPathComponent("cut.h5")
            try bytes.prefix(Int(Double(bytes.count) * fraction)).write(to: cut)
            XCTAssertThrowsError(try RunFile.read(cut), "cut at \(fraction)") { error in
                XCTAssertTrue("\(error)".hasPrefix(cut.path + ": "), "\(error)")
                if fraction >= 0.5 { XCTAssertTrue("\(error)".contains("damaged run file: truncated"), "\(error)") }
            }
            XCTAssertThrowsError(try RunFile.readSummary(cut))
        }
    }

    /// libhdf5 can crash on damaged metadata it does not checksum (strings live in the
    /// unchecksummed global heap); the seal keeps damaged bytes away from it.
    func testCorruptBytesAnywhereGiveDamagedErrorNotCrash() throws {
        let folder = try makeTemporaryDirectory()
        let url = folder.appendingPathComponent("run.h5")
        try RunFile.write(sampleRecord(), to: url)
        let bytes = try Data(contentsOf: url)
        let bad = folder.appendingPathComponent("bad.h5")
        for start in stride(from: 512, to: bytes.count, by: max(1, bytes.count / 60)) {
            var damaged = bytes
            for i in start..<min(bytes.count, start + 16) { damaged[i] ^= 0x5A }
            try damaged.write(to: bad)
            XCTAssertThrowsError(try RunFile.read(bad), "damage at \(start)") { error in
                guard case .damaged(_, let reason)? = error as? RunFileError else { return XCTFail("\(error)") }
                XCTAssertEqual(reason, "content hash mismatch (bytes changed since written)")
            }
        }
        var header = bytes
        header[600] ^= 1  // one bit inside HDF5's superblock
        try header.write(to: bad)
        XCTAssertThrowsError(try RunFile.readSummary(bad))
        var magic = bytes
        magic[0] = UInt8(ascii: "X")
        try magic.write(to: bad)
        XCTAssertThrowsError(try RunFile.read(bad)) { error in
            XCTAssertEqual(error as? RunFileError, .notARunFile(path: bad.path, reason: "not an HDF5 file"))
        }
    }

    func testRunFileModifiedWithH5pyIsDamaged() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("run.h5")
        try RunFile.write(sampleRecord(), to: url)
        let result = try runPython(
            """
            import sys, h5py
            with h5py.File(sys.argv[1], 'r+') as f:
                f['metrics'].attrs['acc'] = 0.99
            """, [url.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertThrowsError(try RunFile.read(url)) { error in
            guard case .damaged? = error as? RunFileError else { return XCTFail("\(error)") }
        }
    }

    func testForeignH5AndTextFileAreRejectedClearly() throws {
        let folder = try makeTemporaryDirectory()
        let foreign = folder.appendingPathComponent("foreign.h5")
        let result = try runPython(
            """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], 'w') as f:
                f['images'] = np.zeros((4, 4))
                f.attrs['title'] = 'not ours'
            """, [foreign.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertThrowsError(try RunFile.read(foreign)) { error in
            XCTAssertEqual(
                error as? RunFileError,
                .notARunFile(path: foreign.path, reason: "an HDF5 file without a GEMBench header"))
            XCTAssertEqual(
                "\(error)", "\(foreign.path): not a GEMBench run file: an HDF5 file without a GEMBench header")
        }
        let text = folder.appendingPathComponent("notes.h5")
        try "hello".write(to: text, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RunFile.read(text)) { error in
            XCTAssertEqual(error as? RunFileError, .notARunFile(path: text.path, reason: "not an HDF5 file"))
        }
        XCTAssertThrowsError(try RunFile.read(folder.appendingPathComponent("absent.h5")))
    }

    func testOtherSchemaVersionIsRejected() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("run.h5")
        try RunFile.write(sampleRecord(), to: url)
        var bytes = try Data(contentsOf: url)
        let header = String(decoding: bytes.prefix(512).prefix(while: { $0 != 0 }), as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("GEMBench run file\nschema_version 1\ncontent_bytes "), header)
        let offset = try XCTUnwrap(
            header.utf8.firstIndex(of: UInt8(ascii: "1")).map {
                header.utf8.distance(from: header.utf8.startIndex, to: $0)
            })
        bytes[offset] = UInt8(ascii: "2")
        try bytes.write(to: url)
        XCTAssertThrowsError(try RunFile.read(url)) { error in
            XCTAssertEqual(error as? RunFileError, .schemaVersion(path: url.path, found: 2, expected: 1))
        }
    }

    func testInconsistentRecordIsRejectedBeforeRename() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("run.h5")
        var record = sampleRecord()
        record.accuracyMatrix = [[0.5, 0.5]]
        XCTAssertThrowsError(try RunFile.write(record, to: url))
        record = sampleRecord()
        record.diagnostics["gem_min_dot"] = [1]
        XCTAssertThrowsError(try RunFile.write(record, to: url))
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    /// `bench show missing.h5` printed "/: no such file or unreadable" (the HDF5 root group, not the file).
    func testAMissingFileOrAFolderIsNamedForWhatItIs() throws {
        let folder = try makeTemporaryDirectory()
        let missing = folder.appendingPathComponent("missing.h5")
        XCTAssertThrowsError(try RunFile.read(missing)) { error in
            XCTAssertEqual(error as? RunFileError, .io(path: missing.path, reason: "no such file"))
        }
        XCTAssertThrowsError(try RunFile.readSummary(folder)) { error in
            XCTAssertEqual(error as? RunFileError, .io(path: folder.path, reason: "a folder, not a file"))
        }
    }

    func testTheSummaryReadsTheExperimentFoldersOfTheConfig() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("run.h5")
        var record = sampleRecord()
        record.configAttributes["experiment_folders"] = #"["my dir", "q\"uote"]"#
        try RunFile.write(record, to: url)
        XCTAssertEqual(try RunFile.readSummary(url).experimentFolders, ["my dir", "q\"uote"])
        XCTAssertEqual(RunSummary(record).experimentFolders, ["my dir", "q\"uote"])
        try RunFile.write(sampleRecord(), to: url, overwrite: true)
        XCTAssertEqual(try RunFile.readSummary(url).experimentFolders, [])
    }
}
