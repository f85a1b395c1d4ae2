import CHDF5
import Foundation

// A small Swift layer over the libhdf5 C API: files, groups, n-d numeric datasets and
// scalar attributes. HDF5 prints nothing on its own; every failure becomes an
// `HDF5Error` naming the file, the object path and what was expected, with the messages
// of HDF5's error stack. Every identifier is closed on every path (`defer`).
//
// An `HDF5File` is not safe to share between threads; `RunFile` serialises all access.

/// A failure reading or writing an HDF5 file.
public struct HDF5Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file in question.
    public var file: String
    /// The object path inside the file ("/" for the file itself).
    public var object: String
    /// What went wrong, or what was expected and not found.
    public var message: String
    /// Messages from HDF5's error stack, outermost first (may be empty).
    public var hdf5Stack: [String]

    public init(file: String, object: String, message: String, hdf5Stack: [String] = []) {
        self.file = file
        self.object = object
        self.message = message
        self.hdf5Stack = hdf5Stack
    }

    public var description: String {
        var text = "\(file): \(object): \(message)"
        if !hdf5Stack.isEmpty { text += " [HDF5: " + hdf5Stack.joined(separator: " <- ") + "]" }
        return text
    }
}

/// Element types of datasets: Float32, Float64, Int32, Int64, UInt8.
public protocol HDF5Element: Sendable {
    static var hdf5MemoryType: hid_t { get }
    static var hdf5FileType: hid_t { get }
    static var hdf5Class: H5T_class_t { get }
    static var hdf5TypeName: String { get }
}

extension Float: HDF5Element {
    public static var hdf5MemoryType: hid_t { shim_H5T_NATIVE_FLOAT() }
    public static var hdf5FileType: hid_t { shim_H5T_IEEE_F32LE() }
    public static var hdf5Class: H5T_class_t { H5T_FLOAT }
    public static var hdf5TypeName: String { "float32" }
}

extension Double: HDF5Element {
    public static var hdf5MemoryType: hid_t { shim_H5T_NATIVE_DOUBLE() }
    public static var hdf5FileType: hid_t { shim_H5T_IEEE_F64LE() }
    public static var hdf5Class: H5T_class_t { H5T_FLOAT }
    public static var hdf5TypeName: String { "float64" }
}

extension Int32: HDF5Element {
    public static var hdf5MemoryType: hid_t { shim_H5T_NATIVE_INT32() }
    public static var hdf5FileType: hid_t { shim_H5T_STD_I32LE() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
    public static var hdf5TypeName: String { "int32" }
}

extension Int64: HDF5Element {
    public static var hdf5MemoryType: hid_t { shim_H5T_NATIVE_INT64() }
    public static var hdf5FileType: hid_t { shim_H5T_STD_I64LE() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
    public static var hdf5TypeName: String { "int64" }
}

extension UInt8: HDF5Element {
    public static var hdf5MemoryType: hid_t { shim_H5T_NATIVE_UINT8() }
    public static var hdf5FileType: hid_t { shim_H5T_STD_U8LE() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
    public static var hdf5TypeName: String { "uint8" }
}

/// An n-d array read from a dataset: row-major values and their shape.
public struct HDF5Array<Element: HDF5Element>: Sendable {
    public var shape: [Int]
    public var values: [Element]

    public init(shape: [Int], values: [Element]) {
        self.shape = shape
        self.values = values
    }
}

extension HDF5Array: Equatable where Element: Equatable {}

/// A scalar attribute value. Strings are written as variable-length UTF-8 (h5py reads
/// them as `str`); fixed-length strings are read too.
public enum HDF5Attribute: Sendable, Equatable {
    case int(Int64)
    case double(Double)
    case string(String)
}

/// What an object path names.
public enum HDF5ObjectKind: Sendable, Equatable {
    case group, dataset, other
}

/// One open HDF5 file. Close it with `close()`; `deinit` closes it too.
public final class HDF5File {
    public let url: URL
    private var id: hid_t
    private let fileSize: Int
    private var userBlockSize = 0
    private var imageCapture: ImageCapture?

    /// Datasets larger than this many bytes are chunked and deflate-compressed.
    public static let compressionThreshold = 64 * 1024

    private init(url: URL, id: hid_t, fileSize: Int) {
        self.url = url
        self.id = id
        self.fileSize = fileSize
    }

    deinit { if id >= 0 { H5Fclose(id) } }

    /// Creates (or truncates) a file for writing. `userBlockSize` bytes (0, or a power of
    /// two ≥ 512) at the start of the file are left to the caller; HDF5 ignores them.
    public static func create(_ url: URL, userBlockSize: Int = 0) throws -> HDF5File {
        try create(url, userBlockSize: userBlockSize, inMemory: false)
    }

    /// Creates a file that lives in memory only (HDF5's core driver without a backing
    /// store); `url` only names it in messages. Nothing reaches the disk: the caller takes
    /// the bytes with `closeReturningImage()` and writes them itself, so a full disk is a
    /// plain write error and libhdf5 never holds a file it failed to flush.
    public static func createInMemory(naming url: URL, userBlockSize: Int = 0) throws -> HDF5File {
        try create(url, userBlockSize: userBlockSize, inMemory: true)
    }

    private static func create(_ url: URL, userBlockSize: Int, inMemory: Bool) throws -> HDF5File {
        prepareLibrary()
        let fcpl = H5Pcreate(shim_H5P_FILE_CREATE())
        guard fcpl >= 0 else { throw failure(url, "/", "cannot create a file creation property list") }
        defer { H5Pclose(fcpl) }
        if userBlockSize > 0, H5Pset_userblock(fcpl, hsize_t(userBlockSize)) < 0 {
            throw failure(url, "/", "cannot reserve a user block of \(userBlockSize) bytes")
        }
        let fapl = H5Pcreate(shim_H5P_FILE_ACCESS())
        guard fapl >= 0 else { throw failure(url, "/", "cannot create a file access property list") }
        defer { H5Pclose(fapl) }
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG)
        // The 1.8 file format checksums the superblock, object headers and indexes, so a
        // damaged file fails to open or read instead of being walked blindly.
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18)
        let capture = inMemory ? ImageCapture() : nil
        if let capture {
            // without block aggregation nothing is given back on close, so the length taken
            // before closing is the final one
            guard H5Pset_fapl_core(fapl, 1 << 20, false) >= 0, H5Pset_meta_block_size(fapl, 0) >= 0,
                H5Pset_small_data_block_size(fapl, 0) >= 0, capture.install(on: fapl)
            else {
                throw failure(url, "/", "cannot select HDF5's in-memory file driver")
            }
        }
        let fid = H5Fcreate(url.path, shim_H5F_ACC_TRUNC(), fcpl, fapl)
        guard fid >= 0 else { throw failure(url, "/", "cannot create the file") }
        let file = HDF5File(url: url, id: fid, fileSize: 0)
        file.userBlockSize = userBlockSize
        file.imageCapture = capture
        return file
    }

    /// Opens an existing file read-only. A missing file, a file that is not HDF5, or a
    /// truncated one gives an `HDF5Error`.
    public static func openReadOnly(_ url: URL) throws -> HDF5File {
        prepareLibrary()
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        } catch {
            throw HDF5Error(file: url.path, object: "/", message: "no such file")
        }
        if let type = attributes[.type] as? FileAttributeType, type != .typeRegular {
            throw HDF5Error(file: url.path, object: "/", message: "not a regular file")
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        let fapl = H5Pcreate(shim_H5P_FILE_ACCESS())
        guard fapl >= 0 else { throw failure(url, "/", "cannot create a file access property list") }
        defer { H5Pclose(fapl) }
        // Run files are write-once: a reader needs no lock, and libhdf5's would fail while a
        // writer still holds the lock of a file it has just moved into place.
        H5Pset_file_locking(fapl, false, true)
        let fid = H5Fopen(url.path, shim_H5F_ACC_RDONLY(), fapl)
        guard fid >= 0 else {
            throw failure(url, "/", "cannot open as HDF5 (not an HDF5 file, or truncated or corrupt)")
        }
        return HDF5File(url: url, id: fid, fileSize: size)
    }

    /// Closes the file, flushing everything written.
    public func close() throws {
        guard id >= 0 else { return }
        let status = H5Fclose(id)
        id = -1
        guard status >= 0 else { throw fail("/", "cannot close (flush) the file") }
    }

    /// Closes an in-memory file and returns its bytes as they would be on disk (user block
    /// included), taken as libhdf5 frees its buffer after the final flush.
    /// (`H5Fget_file_image` gives only the length: libhdf5 1.10 clears the superblock's write
    /// flag in its copy without updating the checksum, so that copy does not open.)
    public func closeReturningImage() throws -> [UInt8] {
        guard id >= 0, let capture = imageCapture else { throw fail("/", "not an open in-memory file") }
        // the file's length (the buffer itself grows in 1 MiB steps)
        guard H5Fflush(id, H5F_SCOPE_GLOBAL) >= 0 else { throw fail("/", "cannot flush the in-memory file") }
        let length = H5Fget_file_image(id, nil, 0)
        guard length > 0 else { throw fail("/", "cannot read the size of the in-memory file") }
        capture.length = userBlockSize + length
        try close()
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
        guard let image = capture.bytes, image.dropFirst(userBlockSize).starts(with: signature) else {
            throw fail("/", "libhdf5 did not hand back the in-memory file")
        }
        return image
    }

    /// How many files libhdf5 holds open in this process (a failed close leaves one behind).
    public static var openFileCount: Int {
        prepareLibrary()
        let everyFile = hid_t(H5F_OBJ_FILE | H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR)
        return Int(H5Fget_obj_count(everyFile, UInt32(H5F_OBJ_FILE)))
    }

    // MARK: Groups and objects

    /// Creates a group and any missing parents; an existing group is left as it is.
    public func createGroup(_ path: String) throws {
        if kind(of: path) == .group { return }
        let lcpl = H5Pcreate(shim_H5P_LINK_CREATE())
        guard lcpl >= 0 else { throw fail(path, "cannot create a link creation property list") }
        defer { H5Pclose(lcpl) }
        H5Pset_create_intermediate_group(lcpl, 1)
        let gid = H5Gcreate2(id, path, lcpl, shim_H5P_DEFAULT(), shim_H5P_DEFAULT())
        guard gid >= 0 else { throw fail(path, "cannot create group") }
        H5Gclose(gid)
    }

    /// Whether `path` names an object (every component must exist).
    public func exists(_ path: String) -> Bool {
        if path == "/" || path.isEmpty { return true }
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if H5Lexists(id, prefix, shim_H5P_DEFAULT()) <= 0 { return false }
        }
        return true
    }

    /// What `path` names, or nil when it names nothing.
    public func kind(of path: String) -> HDF5ObjectKind? {
        guard exists(path) else { return nil }
        let oid = H5Oopen(id, path, shim_H5P_DEFAULT())
        guard oid >= 0 else { return nil }
        defer { H5Oclose(oid) }
        switch H5Iget_type(oid) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    /// The names of a group's members, sorted by name.
    public func memberNames(of path: String) throws -> [String] {
        guard kind(of: path) == .group else { throw fail(path, "expected a group") }
        let gid = H5Gopen2(id, path, shim_H5P_DEFAULT())
        guard gid >= 0 else { throw fail(path, "cannot open group") }
        defer { H5Gclose(gid) }
        var info = H5G_info_t()
        guard H5Gget_info(gid, &info) >= 0 else { throw fail(path, "cannot read group info") }
        var names: [String] = []
        for index in 0..<info.nlinks {
            let length = H5Lget_name_by_idx(gid, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, shim_H5P_DEFAULT())
            guard length >= 0 else { throw fail(path, "cannot read the name of member \(index)") }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            _ = H5Lget_name_by_idx(
                gid, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, shim_H5P_DEFAULT())
            names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    // MARK: Datasets

    /// Writes an n-d dataset (row-major `values`, `shape` with product == count).
    /// Parent groups are created. With `compressed`, data above `compressionThreshold` bytes is
    /// chunked, shuffled and deflate-compressed.
    public func write<T: HDF5Element>(_ values: [T], shape: [Int], to path: String, compressed: Bool = true) throws {
        let count = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), count == values.count else {
            throw fail(path, "shape \(shape) does not hold \(values.count) values")
        }
        let space: hid_t
        if shape.isEmpty {
            space = H5Screate(H5S_SCALAR)
        } else {
            let dims = shape.map { hsize_t($0) }
            space = H5Screate_simple(Int32(dims.count), dims, nil)
        }
        guard space >= 0 else { throw fail(path, "cannot create dataspace for shape \(shape)") }
        defer { H5Sclose(space) }

        let dcpl = H5Pcreate(shim_H5P_DATASET_CREATE())
        guard dcpl >= 0 else { throw fail(path, "cannot create a dataset creation property list") }
        defer { H5Pclose(dcpl) }
        let bytes = count * MemoryLayout<T>.stride
        if compressed, bytes > Self.compressionThreshold, !shape.isEmpty, count > 0 {
            let rowElements = shape.dropFirst().reduce(1, *)
            let rowBytes = max(1, rowElements * MemoryLayout<T>.stride)
            let rows = max(1, min(shape[0], (1 << 20) / rowBytes))
            let chunk = [hsize_t(rows)] + shape.dropFirst().map { hsize_t($0) }
            guard H5Pset_chunk(dcpl, Int32(chunk.count), chunk) >= 0 else { throw fail(path, "cannot set chunking") }
            if H5Zfilter_avail(H5Z_filter_t(H5Z_FILTER_DEFLATE)) > 0 {
                H5Pset_shuffle(dcpl)
                H5Pset_deflate(dcpl, 4)
            }
        }
        let lcpl = H5Pcreate(shim_H5P_LINK_CREATE())
        guard lcpl >= 0 else { throw fail(path, "cannot create a link creation property list") }
        defer { H5Pclose(lcpl) }
        H5Pset_create_intermediate_group(lcpl, 1)

        let did = H5Dcreate2(id, path, T.hdf5FileType, space, lcpl, dcpl, shim_H5P_DEFAULT())
        guard did >= 0 else { throw fail(path, "cannot create \(T.hdf5TypeName) dataset of shape \(shape)") }
        defer { H5Dclose(did) }
        if count > 0 {
            let status = values.withUnsafeBytes { buffer in
                H5Dwrite(did, T.hdf5MemoryType, shim_H5S_ALL(), shim_H5S_ALL(), shim_H5P_DEFAULT(), buffer.baseAddress)
            }
            guard status >= 0 else { throw fail(path, "cannot write \(count) \(T.hdf5TypeName) values") }
        }
    }

    /// The shape of a dataset.
    public func shape(of path: String) throws -> [Int] {
        let did = try openDataset(path)
        defer { H5Dclose(did) }
        return try datasetShape(did, path)
    }

    /// Reads a dataset as `T`. The stored type must be of the same class (floating point
    /// for Float/Double, integer for the integer types); HDF5 converts the width.
    public func read<T: HDF5Element>(_ path: String, as type: T.Type = T.self) throws -> HDF5Array<T> {
        let did = try openDataset(path)
        defer { H5Dclose(did) }
        let tid = H5Dget_type(did)
        guard tid >= 0 else { throw fail(path, "cannot read the dataset's type") }
        defer { H5Tclose(tid) }
        let storedClass = H5Tget_class(tid)
        guard storedClass == T.hdf5Class else {
            throw fail(path, "expected a \(T.hdf5TypeName) dataset, found \(Self.className(storedClass)) values")
        }
        let shape = try datasetShape(did, path)
        let count = shape.reduce(1, *)
        let limit = max(fileSize, 1 << 20) * 1100  // deflate cannot compress by much more than 1000:1
        guard count * MemoryLayout<T>.stride <= limit else {
            throw fail(path, "dataset claims shape \(shape), more than the file can hold (corrupt file?)")
        }
        var status: herr_t = 0
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                status = H5Dread(
                    did, T.hdf5MemoryType, shim_H5S_ALL(), shim_H5S_ALL(), shim_H5P_DEFAULT(),
                    UnsafeMutableRawPointer(buffer.baseAddress))
                if status < 0, let base = buffer.baseAddress { memset(base, 0, count * MemoryLayout<T>.stride) }
            }
            initialized = count
        }
        guard status >= 0 else { throw fail(path, "cannot read \(count) values as \(T.hdf5TypeName)") }
        return HDF5Array(shape: shape, values: values)
    }

    private func openDataset(_ path: String) throws -> hid_t {
        guard let kind = kind(of: path) else { throw fail(path, "expected a dataset, found nothing") }
        guard kind == .dataset else { throw fail(path, "expected a dataset, found a \(kind)") }
        let did = H5Dopen2(id, path, shim_H5P_DEFAULT())
        guard did >= 0 else { throw fail(path, "cannot open dataset") }
        return did
    }

    private func datasetShape(_ did: hid_t, _ path: String) throws -> [Int] {
        let sid = H5Dget_space(did)
        guard sid >= 0 else { throw fail(path, "cannot read the dataset's dataspace") }
        defer { H5Sclose(sid) }
        let rank = H5Sget_simple_extent_ndims(sid)
        guard rank >= 0 else { throw fail(path, "cannot read the dataset's rank") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 { H5Sget_simple_extent_dims(sid, &dims, nil) }
        guard dims.allSatisfy({ $0 < hsize_t(Int.max >> 8) }) else { throw fail(path, "implausible shape \(dims)") }
        return dims.map { Int($0) }
    }

    private static func className(_ c: H5T_class_t) -> String {
        switch c {
        case H5T_INTEGER: return "integer"
        case H5T_FLOAT: return "floating-point"
        case H5T_STRING: return "string"
        case H5T_COMPOUND: return "compound"
        default: return "class-\(c.rawValue)"
        }
    }

    // MARK: Attributes

    /// Sets (or replaces) a scalar attribute on the object at `path`.
    public func setAttribute(_ name: String, _ value: HDF5Attribute, on path: String = "/") throws {
        let oid = H5Oopen(id, path, shim_H5P_DEFAULT())
        guard oid >= 0 else { throw fail(path, "cannot open object to set attribute '\(name)'") }
        defer { H5Oclose(oid) }
        if H5Aexists(oid, name) > 0 { H5Adelete(oid, name) }
        let space = H5Screate(H5S_SCALAR)
        guard space >= 0 else { throw fail(path, "cannot create a scalar dataspace") }
        defer { H5Sclose(space) }

        let fileType: hid_t
        switch value {
        case .int: fileType = H5Tcopy(shim_H5T_STD_I64LE())
        case .double: fileType = H5Tcopy(shim_H5T_IEEE_F64LE())
        case .string: fileType = try Self.variableStringType(path: path, file: url)
        }
        defer { H5Tclose(fileType) }
        let aid = H5Acreate2(oid, name, fileType, space, shim_H5P_DEFAULT(), shim_H5P_DEFAULT())
        guard aid >= 0 else { throw fail(path, "cannot create attribute '\(name)'") }
        defer { H5Aclose(aid) }
        var status: herr_t
        switch value {
        case .int(var v): status = H5Awrite(aid, shim_H5T_NATIVE_INT64(), &v)
        case .double(var v): status = H5Awrite(aid, shim_H5T_NATIVE_DOUBLE(), &v)
        case .string(let s):
            status = s.withCString { cString in
                var pointer: UnsafePointer<CChar>? = cString
                return H5Awrite(aid, fileType, &pointer)
            }
        }
        guard status >= 0 else { throw fail(path, "cannot write attribute '\(name)'") }
    }

    private static func variableStringType(path: String, file: URL) throws -> hid_t {
        let tid = H5Tcopy(shim_H5T_C_S1())
        guard tid >= 0, H5Tset_size(tid, shim_H5T_VARIABLE()) >= 0, H5Tset_cset(tid, H5T_CSET_UTF8) >= 0 else {
            throw failure(file, path, "cannot make a variable-length UTF-8 string type")
        }
        return tid
    }

    /// Whether the object at `path` has attribute `name`.
    public func hasAttribute(_ name: String, on path: String = "/") -> Bool {
        guard exists(path) else { return false }
        return H5Aexists_by_name(id, path, name, shim_H5P_DEFAULT()) > 0
    }

    /// Reads a scalar attribute (a one-element array is accepted as a scalar).
    public func attribute(_ name: String, on path: String = "/") throws -> HDF5Attribute {
        guard exists(path) else { throw fail(path, "expected an object with attribute '\(name)', found nothing") }
        guard H5Aexists_by_name(id, path, name, shim_H5P_DEFAULT()) > 0 else {
            throw fail(path, "missing attribute '\(name)'")
        }
        let aid = H5Aopen_by_name(id, path, name, shim_H5P_DEFAULT(), shim_H5P_DEFAULT())
        guard aid >= 0 else { throw fail(path, "cannot open attribute '\(name)'") }
        defer { H5Aclose(aid) }
        let sid = H5Aget_space(aid)
        guard sid >= 0 else { throw fail(path, "cannot read the dataspace of attribute '\(name)'") }
        defer { H5Sclose(sid) }
        guard H5Sget_simple_extent_npoints(sid) == 1 else {
            throw fail(path, "expected attribute '\(name)' to be a scalar")
        }
        let tid = H5Aget_type(aid)
        guard tid >= 0 else { throw fail(path, "cannot read the type of attribute '\(name)'") }
        defer { H5Tclose(tid) }
        switch H5Tget_class(tid) {
        case H5T_INTEGER:
            var v: Int64 = 0
            guard H5Aread(aid, shim_H5T_NATIVE_INT64(), &v) >= 0 else {
                throw fail(path, "cannot read attribute '\(name)'")
            }
            return .int(v)
        case H5T_FLOAT:
            var v: Double = 0
            guard H5Aread(aid, shim_H5T_NATIVE_DOUBLE(), &v) >= 0 else {
                throw fail(path, "cannot read attribute '\(name)'")
            }
            return .double(v)
        case H5T_STRING:
            let memType = H5Tcopy(shim_H5T_C_S1())
            guard memType >= 0 else { throw fail(path, "cannot make a string type") }
            defer { H5Tclose(memType) }
            H5Tset_cset(memType, H5Tget_cset(tid))
            if H5Tis_variable_str(tid) > 0 {
                H5Tset_size(memType, shim_H5T_VARIABLE())
                var pointer: UnsafeMutablePointer<CChar>? = nil
                guard H5Aread(aid, memType, &pointer) >= 0 else {
                    throw fail(path, "cannot read string attribute '\(name)'")
                }
                defer { if let pointer { H5free_memory(pointer) } }
                return .string(pointer.map { String(cString: $0) } ?? "")
            } else {
                let size = H5Tget_size(tid)
                guard size > 0, size < 1 << 30 else {
                    throw fail(path, "implausible string size for attribute '\(name)'")
                }
                H5Tset_size(memType, size)
                H5Tset_strpad(memType, H5Tget_strpad(tid))
                var buffer = [UInt8](repeating: 0, count: size + 1)
                guard H5Aread(aid, memType, &buffer) >= 0 else {
                    throw fail(path, "cannot read string attribute '\(name)'")
                }
                var bytes = buffer.prefix(while: { $0 != 0 })
                if H5Tget_strpad(tid) == H5T_STR_SPACEPAD { while bytes.last == 0x20 { bytes.removeLast() } }
                return .string(String(decoding: bytes, as: UTF8.self))
            }
        default:
            throw fail(path, "attribute '\(name)' is neither a number nor a string")
        }
    }

    /// The names of the attributes of the object at `path`, sorted by name.
    public func attributeNames(on path: String = "/") throws -> [String] {
        let oid = H5Oopen(id, path, shim_H5P_DEFAULT())
        guard oid >= 0 else { throw fail(path, "cannot open object to list its attributes") }
        defer { H5Oclose(oid) }
        final class Names { var list: [String] = [] }
        let names = Names()
        var index: hsize_t = 0
        let status = withExtendedLifetime(names) {
            H5Aiterate2(
                oid, H5_INDEX_NAME, H5_ITER_INC, &index,
                { _, name, _, context in
                    if let name, let context {
                        Unmanaged<Names>.fromOpaque(context).takeUnretainedValue().list.append(String(cString: name))
                    }
                    return 0
                }, Unmanaged.passUnretained(names).toOpaque())
        }
        guard status >= 0 else { throw fail(path, "cannot list attributes") }
        return names.list
    }

    // Typed attribute helpers with "expected" messages.

    public func intAttribute(_ name: String, on path: String = "/") throws -> Int64 {
        let value = try attribute(name, on: path)
        guard case .int(let v) = value else { throw fail(path, "expected integer attribute '\(name)', found \(value)") }
        return v
    }

    public func doubleAttribute(_ name: String, on path: String = "/") throws -> Double {
        switch try attribute(name, on: path) {
        case .double(let v): return v
        case .int(let v): return Double(v)
        case let other: throw fail(path, "expected numeric attribute '\(name)', found \(other)")
        }
    }

    public func stringAttribute(_ name: String, on path: String = "/") throws -> String {
        let value = try attribute(name, on: path)
        guard case .string(let v) = value else {
            throw fail(path, "expected string attribute '\(name)', found \(value)")
        }
        return v
    }

    // MARK: Errors

    /// An error for `path` in this file, with HDF5's current error stack.
    public func fail(_ path: String, _ message: String) -> HDF5Error {
        Self.failure(url, path, message)
    }

    static func failure(_ url: URL, _ path: String, _ message: String) -> HDF5Error {
        HDF5Error(file: url.path, object: path, message: message, hdf5Stack: errorStack())
    }
}

/// Receives the buffer of an in-memory (core driver) file when libhdf5 frees it on close.
/// The callbacks allocate with malloc so that they can also free what they are given.
private final class ImageCapture {
    /// How many bytes of the buffer are the file (set just before closing).
    var length = 0
    var bytes: [UInt8]?

    func install(on fapl: hid_t) -> Bool {
        var callbacks = H5FD_file_image_callbacks_t()
        callbacks.image_malloc = { size, _, _ in malloc(size) }
        callbacks.image_memcpy = { destination, source, size, _, _ in
            guard let destination, let source else { return nil }
            return memcpy(destination, source, size)
        }
        callbacks.image_realloc = { pointer, size, _, _ in realloc(pointer, size) }
        callbacks.image_free = { pointer, operation, udata in
            if operation == H5FD_FILE_IMAGE_OP_FILE_CLOSE, let pointer, let udata {
                let capture = Unmanaged<ImageCapture>.fromOpaque(udata).takeUnretainedValue()
                capture.bytes = Array(UnsafeRawBufferPointer(start: pointer, count: capture.length))
            }
            free(pointer)
            return 0
        }
        // every copy of the property list holds a reference
        callbacks.udata_copy = { udata in
            if let udata { _ = Unmanaged<ImageCapture>.fromOpaque(udata).retain() }
            return udata
        }
        callbacks.udata_free = { udata in
            if let udata { Unmanaged<ImageCapture>.fromOpaque(udata).release() }
            return 0
        }
        callbacks.udata = Unmanaged.passUnretained(self).toOpaque()
        return H5Pset_file_image_callbacks(fapl, &callbacks) >= 0
    }
}

/// Silences HDF5's own error printing and, before the library starts, asks it not to
/// register its exit handler: after a failed flush (a full disk) libhdf5 keeps the file in
/// its tables and its exit handler retries the close, which crashes. GEMBench closes every
/// file itself, so nothing is left for the handler to do.
private let libraryPrepared: Void = {
    H5dont_atexit()
    H5open()
    shim_silence_errors()
}()

func prepareLibrary() {
    _ = libraryPrepared
    shim_silence_errors()  // per thread in thread-safe builds of libhdf5
}

/// Walks HDF5's error stack of this thread (outermost first), then clears it.
func errorStack() -> [String] {
    final class Lines { var list: [String] = [] }
    let lines = Lines()
    withExtendedLifetime(lines) {
        _ = H5Ewalk2(
            shim_H5E_DEFAULT(), H5E_WALK_DOWNWARD,
            { _, entry, context in
                guard let entry, let context else { return 0 }
                let function = entry.pointee.func_name.map { String(cString: $0) } ?? "?"
                var text = entry.pointee.desc.map { String(cString: $0) } ?? ""
                if text.isEmpty {
                    var buffer = [CChar](repeating: 0, count: 256)
                    if H5Eget_msg(entry.pointee.min_num, nil, &buffer, buffer.count) > 0 {
                        text = String(
                            decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    }
                }
                Unmanaged<Lines>.fromOpaque(context).takeUnretainedValue().list.append("\(function): \(text)")
                return 0
            }, Unmanaged.passUnretained(lines).toOpaque())
    }
    H5Eclear2(shim_H5E_DEFAULT())
    var list = lines.list
    if list.count > 6 { list = Array(list.prefix(2)) + ["..."] + Array(list.suffix(3)) }
    return list
}
