// libFuzzer target: the Butane converter. See FuzzChecks.
import FuzzChecks
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzButane(_ data: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    require(FuzzChecks.butane(input(data, count)))
}

runFuzzer(fuzzButane)
