import Foundation
import Storage
import XCTest

final class HDF5FileTests: XCTestCase {
    func testDatasetsOfEveryTypeRoundTripWithShapes() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("types.h5")
        let file = try HDF5File.create(url)
        try file.write([Float(1.5), -2, 3, 4, 5, 6], shape: [2, 3], to: "/a/b/f32")
        try file.write([1.25, -0.5], shape: [2], to: "/f64")
        try file.write([Int32.min, 0, Int32.max, 7], shape: [2, 1, 2], to: "/i32")
        try file.write([Int64.min, Int64.max], shape: [2], to: "/i64")
        try file.write([UInt8(0), 255, 128], shape: [3], to: "/u8")
        try file.write([Float](), shape: [0], to: "/empty")
        try file.close()

        let reader = try HDF5File.openReadOnly(url)
        XCTAssertEqual(
            try reader.read("/a/b/f32", as: Float.self), HDF5Array(shape: [2, 3], values: [1.5, -2, 3, 4, 5, 6]))
        XCTAssertEqual(try reader.read("/f64", as: Double.self), HDF5Array(shape: [2], values: [1.25, -0.5]))
        XCTAssertEqual(
            try reader.read("/i32", as: Int32.self), HDF5Array(shape: [2, 1, 2], values: [Int32.min, 0, Int32.max, 7]))
        XCTAssertEqual(try reader.read("/i64", as: Int64.self).values, [Int64.min, Int64.max])
        XCTAssertEqual(try reader.read("/u8", as: UInt8.self).values, [0, 255, 128])
        XCTAssertEqual(try reader.read("/empty", as: Float.self), HDF5Array(shape: [0], values: []))
        XCTAssertEqual(try reader.memberNames(of: "/"), ["a", "empty", "f64", "i32", "i64", "u8"])
        XCTAssertEqual(reader.kind(of: "/a/b"), .group)
        XCTAssertEqual(reader.kind(of: "/a/b/f32"), .dataset)
        XCTAssertNil(reader.kind(of: "/a/nothing/here"))
    }

    func testLargeDatasetsAreChunkedAndCompressedAndReadBack() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("large.h5")
        let values = (0..<200_000).map { Float($0 % 13) }  // 800 KB, very compressible
        let file = try HDF5File.create(url)
        try file.write(values, shape: [1000, 200], to: "/big")
        try file.close()
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        XCTAssertLessThan(size, 200_000, "deflate should shrink 800 KB of repeating values")
        XCTAssertEqual(try HDF5File.openReadOnly(url).read("/big", as: Float.self).values, values)
        let python = try runPython(
            """
            import sys, h5py
            d = h5py.File(sys.argv[1], 'r')['big']
            print(d.compression, d.chunks is not None, d.shape, d.dtype)
            """, [url.path])
        XCTAssertEqual(python.status, 0, python.stderr)
        XCTAssertEqual(python.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "gzip True (1000, 200) float32")
    }

    func testAttributesRoundTripAndAreListed() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("attrs.h5")
        let file = try HDF5File.create(url)
        try file.createGroup("/g")
        try file.setAttribute("n", .int(-42), on: "/g")
        try file.setAttribute("x", .double(0.125), on: "/g")
        try file.setAttribute("s", .string("héllo\nworld"), on: "/g")
        try file.setAttribute("x", .double(0.25), on: "/g")  // replaced
        try file.close()
        let reader = try HDF5File.openReadOnly(url)
        XCTAssertEqual(try reader.attributeNames(on: "/g"), ["n", "s", "x"])
        XCTAssertEqual(try reader.attribute("n", on: "/g"), .int(-42))
        XCTAssertEqual(try reader.attribute("x", on: "/g"), .double(0.25))
        XCTAssertEqual(try reader.stringAttribute("s", on: "/g"), "héllo\nworld")
        XCTAssertThrowsError(try reader.stringAttribute("n", on: "/g")) { error in
            XCTAssertTrue("\(error)".contains("expected string attribute 'n'"), "\(error)")
        }
    }

    func testStringsAreStrForH5pyAndFixedLengthStringsFromH5pyAreRead() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("strings.h5")
        let file = try HDF5File.create(url)
        try file.setAttribute("s", .string("ünïcode"))
        try file.close()
        let python = try runPython(
            """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], 'r+') as f:
                assert isinstance(f.attrs['s'], str), type(f.attrs['s'])
                assert f.attrs['s'] == 'ünïcode'
                f.attrs['fixed'] = np.bytes_(b'abc')
                f.attrs['i8'] = np.int8(-3)
                f.attrs['f32'] = np.float32(0.5)
            """, [url.path])
        XCTAssertEqual(python.status, 0, python.stderr)
        let reader = try HDF5File.openReadOnly(url)
        XCTAssertEqual(try reader.attribute("fixed"), .string("abc"))
        XCTAssertEqual(try reader.attribute("i8"), .int(-3))
        XCTAssertEqual(try reader.attribute("f32"), .double(0.5))
    }

    func testErrorsNameFileObjectAndExpectation() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("errors.h5")
        let file = try HDF5File.create(url)
        try file.write([Int32(1)], shape: [1], to: "/ints")
        try file.close()
        let reader = try HDF5File.openReadOnly(url)
        XCTAssertThrowsError(try reader.read("/ints", as: Float.self)) { error in
            let e = error as? HDF5Error
            XCTAssertEqual(e?.file, url.path)
            XCTAssertEqual(e?.object, "/ints")
            XCTAssertEqual(e?.message, "expected a float32 dataset, found integer values")
        }
        XCTAssertThrowsError(try reader.read("/missing", as: Float.self)) { error in
            XCTAssertEqual((error as? HDF5Error)?.message, "expected a dataset, found nothing")
        }
        XCTAssertThrowsError(try HDF5File.openReadOnly(url.appendingPathExtension("nope"))) { error in
            XCTAssertEqual((error as? HDF5Error)?.message, "no such file")
        }
        XCTAssertThrowsError(try file.write([Float(1)], shape: [2], to: "/bad")) { error in
            XCTAssertTrue("\(error)".contains("shape [2] does not hold 1 values"), "\(error)")
        }
    }

    func testTextFileIsNotHDF5AndStackIsReported() throws {
        let url = try makeTemporaryDirectory().appendingPathComponent("text.h5")
        try "just text\n".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try HDF5File.openReadOnly(url)) { error in
            let e = error as? HDF5Error
            XCTAssertEqual(e?.file, url.path)
            XCTAssertTrue(e?.message.contains("cannot open as HDF5") ?? false)
            XCTAssertFalse(e?.hdf5Stack.isEmpty ?? true, "HDF5's error stack should be carried along")
        }
    }
}
