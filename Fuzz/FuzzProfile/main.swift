// libFuzzer target: profile loading (YAML, aliases, extends, decoding, validation). See FuzzChecks.
import FuzzChecks
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProfile(_ data: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    require(FuzzChecks.profile(input(data, count), directory: scratchDirectory("profile")))
}

runFuzzer(fuzzProfile)
