// libFuzzer target: reading a GPT, both copies and the primary alone. See FuzzChecks.
import FuzzChecks
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGPT(_ data: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    require(FuzzChecks.gpt(input(data, count)))
}

runFuzzer(fuzzGPT)
