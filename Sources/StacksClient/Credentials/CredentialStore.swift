// The credentials file, $XDG_CONFIG_HOME/stacks/credentials.json (else ~/.config/stacks/…), in a
// 0700 folder: changed under a flock (no lost update between two commands), written to a 0600
// temporary file, synced and renamed over the old one, so no torn or readable-by-others file exists.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads and writes the credentials file.
public struct CredentialStore: Sendable {
    /// The folder holding the file and its lock.
    public let directory: String

    /// The file's path.
    public var path: String { directory + "/credentials.json" }

    /// A store in `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    /// The store `environment` points at: `$XDG_CONFIG_HOME/stacks`, else `$HOME/.config/stacks`.
    public init(environment: [String: String]) throws(ClientError) {
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            self.init(directory: config + "/stacks")
        } else if let home = environment["HOME"], !home.isEmpty {
            self.init(directory: home + "/.config/stacks")
        } else {
            throw .local("neither XDG_CONFIG_HOME nor HOME is set: no place for the credentials file")
        }
    }

    /// The document as stored; empty when there is no file yet.
    public func load() throws(ClientError) -> CredentialsDocument {
        guard let data = FileManager.default.contents(atPath: path) else { return CredentialsDocument() }
        do {
            return try JSONDecoder().decode(CredentialsDocument.self, from: data)
        } catch {
            throw .local("\(path) is not a credentials file the client can read: move it away and log in again")
        }
    }

    /// Applies `change` to the stored document and writes the result, all under the lock.
    @discardableResult
    public func update<Result>(_ change: (inout CredentialsDocument) throws(ClientError) -> Result) throws(ClientError)
        -> Result
    {
        try makeDirectory()
        let lock = open(directory + "/credentials.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw .local("cannot open \(directory)/credentials.lock: \(Self.reason())") }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else { throw .local("cannot lock \(directory)/credentials.lock: \(Self.reason())") }
        var document = try load()
        let result = try change(&document)
        try write(document)
        return result
    }

    /// Writes `document` atomically: a 0600 temporary file in the folder, synced, renamed over the file.
    func write(_ document: CredentialsDocument) throws(ClientError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(document) else { throw .local("cannot encode the credentials") }
        var template = Array((directory + "/.credentials.json.XXXXXX").utf8CString)
        let file = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard file >= 0 else { throw .local("cannot write in \(directory): \(Self.reason())") }
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let handle = FileHandle(fileDescriptor: file, closeOnDealloc: false)
        let written = fchmod(file, 0o600) == 0 && (try? handle.write(contentsOf: data)) != nil && fsync(file) == 0
        close(file)
        guard written, rename(temporary, path) == 0 else {
            let reason = Self.reason()
            unlink(temporary)
            throw .local("cannot write \(path): \(reason)")
        }
        let folder = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }

    /// Makes the folder (0700) and any missing parent (0700 too).
    private func makeDirectory() throws(ClientError) {
        var built = ""
        for part in directory.split(separator: "/") {
            built += "/" + part
            if mkdir(built, 0o700) != 0 && errno != EEXIST {
                throw .local("cannot make \(built): \(Self.reason())")
            }
        }
    }

    /// The permission bits of the file, if it exists.
    public func fileMode() -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o777
    }

    private static func reason() -> String { String(cString: strerror(errno)) }
}
