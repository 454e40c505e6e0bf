// The fuzz targets by name, each a function of the input bytes that stops the process (a broken
// invariant) when a parser breaks a promise, and the files of a corpus.
import Foundation

/// One fuzz target: a parser of client input and the invariants it keeps.
enum FuzzTarget: String, CaseIterable, Sendable {
    /// CGI/FastCGI parameters and a body → `Request`, its headers and query.
    case request
    /// The strict JSON scanner and the decoding of request bodies into the endpoints' types.
    case json
    /// Opaque keyset cursors, alone and in the book list's query.
    case cursor
    /// HS256 access tokens: parsing and verification with fixed keys.
    case jwt
    /// The API's route table: any method and path.
    case router

    /// The target an argument names, as `NAME` or `--target=NAME`.
    init?(argument: String) {
        self.init(rawValue: argument.hasPrefix("--target=") ? String(argument.dropFirst(9)) : argument)
    }

    /// Runs one input through the target.
    func run(_ input: [UInt8]) {
        switch self {
        case .request: RequestFuzz.run(input)
        case .json: JSONFuzz.run(input)
        case .cursor: CursorFuzz.run(input)
        case .jwt: TokenFuzz.run(input)
        case .router: RouterFuzz.run(input)
        }
    }

    /// The target as libFuzzer's callback (a C function cannot capture `self`, hence one per case).
    var entry: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32 {
        switch self {
        case .request: { FuzzTarget.request.test($0, $1) }
        case .json: { FuzzTarget.json.test($0, $1) }
        case .cursor: { FuzzTarget.cursor.test($0, $1) }
        case .jwt: { FuzzTarget.jwt.test($0, $1) }
        case .router: { FuzzTarget.router.test($0, $1) }
        }
    }

    /// Runs libFuzzer's input; 0 keeps it eligible for the corpus.
    private func test(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }
}

/// The input files of a corpus.
enum FuzzCorpus {
    /// The file itself, or the regular files of a directory sorted by name.
    static func files(_ url: URL) throws -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        guard isDirectory.boolValue else { return [url] }
        return try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
            .filter { !$0.hasDirectoryPath }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}

extension Array where Element == UInt8 {
    /// The parts between `separator` bytes, at most `limit` of them (the last keeps the rest).
    func parts(separatedBy separator: UInt8, limit: Int) -> [ArraySlice<UInt8>] {
        split(separator: separator, maxSplits: limit - 1, omittingEmptySubsequences: false)
    }
}

/// Stops the process with `message` unless `condition` holds, so that libFuzzer keeps the input
/// (`precondition` would drop its message in an optimized build).
func invariant(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() { invariantBroken(message(), file: file, line: line) }
}

/// Stops the process with `message`: an invariant is broken.
func invariantBroken(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError("invariant broken: \(message)", file: file, line: line)
}
