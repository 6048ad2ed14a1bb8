// libFuzzer target: tar layers (any compression) read and merged with the OCI rules. See FuzzChecks.
import FuzzChecks
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTar(_ data: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    require(FuzzChecks.tarLayer(input(data, count), directory: scratchDirectory("tar")))
}

runFuzzer(fuzzTar)
