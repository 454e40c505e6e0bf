// `stacks-fuzz TARGET ARGUMENTS…`: the fuzz targets of our own parsers in one executable. Built by
// deploy/fuzz with `-sanitize=fuzzer,address -DFUZZING`, it hands the chosen target and the other
// arguments to libFuzzer; a normal build replays files and directories of inputs through the target.
import Crypto
import Foundation

#if FUZZING
    import CLibFuzzer
#endif

/// The entry point: the target's name first, then libFuzzer's arguments or the inputs to replay.
@main
struct StacksFuzz {
    /// Runs the named target; exits 2 on a usage error.
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2, let target = FuzzTarget(argument: arguments[1]) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
            FileHandle.standardError.write(Data("usage: stacks-fuzz \(names) [FILE|DIRECTORY…]\n".utf8))
            exit(2)
        }
        Sodium.initialize()
        #if FUZZING
            exit(fuzz(target))
        #else
            do {
                let count = try replay(target, paths: arguments.dropFirst(2).map { URL(fileURLWithPath: $0) })
                print("stacks-fuzz: \(count) inputs of \(target.rawValue) replayed, every invariant held")
            } catch {
                FileHandle.standardError.write(Data("stacks-fuzz: \(error)\n".utf8))
                exit(1)
            }
        #endif
    }

    /// Runs every file named, and every file in each directory named, through `target`; returns how many.
    static func replay(_ target: FuzzTarget, paths: [URL]) throws -> Int {
        let files = try paths.flatMap(FuzzCorpus.files)
        for file in files { target.run(Array(try Data(contentsOf: file))) }
        return files.count
    }

    #if FUZZING
        /// libFuzzer's driver with the target as its callback. The target's name goes on as
        /// `--target=NAME`: libFuzzer ignores arguments that start with `--` and passes its arguments
        /// to the processes it starts itself (`-merge`, `-fork`, `-minimize_crash`), which need it.
        static func fuzz(_ target: FuzzTarget) -> Int32 {
            var argc = CommandLine.argc
            let argv = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: Int(argc) + 1)
            for index in 0..<Int(argc) { argv[index] = CommandLine.unsafeArgv[index] }
            argv[1] = strdup("--target=\(target.rawValue)")
            argv[Int(argc)] = nil
            var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
            return LLVMFuzzerRunDriver(&argc, &arguments, target.entry)
        }
    #endif
}

#if FUZZING
    /// libFuzzer's own `main` is linked in but replaced by ours (SwiftPM binds `main` to this
    /// module's entry point), and its reference to this symbol must still resolve. Never called.
    @_cdecl("LLVMFuzzerTestOneInput")
    func unusedTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        fatalError("libFuzzer's main ran instead of stacks-fuzz's")
    }
#endif
