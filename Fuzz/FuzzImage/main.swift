// libFuzzer target: image archives (`docker save` tars and OCI layouts in a tar) read and their
// layers merged. See FuzzChecks.
import FuzzChecks
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ data: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    require(FuzzChecks.imageArchive(input(data, count), directory: scratchDirectory("image")))
}

runFuzzer(fuzzImage)
