// libFuzzer target: Ignition config parsing, decoding and validation. See FuzzChecks.
import FuzzChecks
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIgnition(_ data: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    require(FuzzChecks.ignition(input(data, count)))
}

runFuzzer(fuzzIgnition)
