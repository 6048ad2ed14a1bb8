// The entry point every fuzz target shares: libFuzzer's driver, called from the target's main
// (SwiftPM names an executable's entry point itself, so libFuzzer's own main is not the one run).
import Glibc

/// libFuzzer's `LLVMFuzzerRunDriver`, linked in by `-sanitize=fuzzer`.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32

/// Runs libFuzzer with this process's arguments on `test`, which gets each input, and exits with
/// its status (non-zero when an input crashed, hung or ran out of memory).
public func runFuzzer(_ test: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, test))
}

/// The input as bytes.
public func input(_ data: UnsafePointer<UInt8>, _ count: Int) -> [UInt8] {
    Array(UnsafeBufferPointer(start: data, count: count))
}

/// Stops the run with the broken expectation, so libFuzzer keeps the input as a crash.
public func require(_ broken: String?) -> Int32 {
    if let broken { fatalError(broken) }
    return 0
}

/// A directory of this process's own under /tmp for the files a target writes (created once).
public func scratchDirectory(_ name: String) -> String {
    let path = "/tmp/slipway-fuzz-\(name)-\(getpid())"
    mkdir(path, 0o700)
    return path
}
