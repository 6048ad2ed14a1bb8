// The disk in the profile's `disk.format`, written beside NAME.img from it: qcow2 through
// qemu-img, the cloud formats (VMDK for AWS and VMware, fixed VHD for Azure, GCE's tar) by Disk's
// own writers. Each is deterministic: ids derive from the raw disk's digest, times from the epoch.
import Disk
import FileHashing
import Foundation
import Profile

extension DiskStage {
    /// Writes `image` (the staged NAME.img) in `format` as a staged output; nil for raw. Returns the
    /// output's manifest role (the format's name) and its staged file.
    func convert(_ image: URL, to format: Profile.ImageFormat, outputs: StagedOutputs) throws -> (
        role: String, file: URL
    )? {
        guard let fileExtension = format.fileExtension else { return nil }
        let name = "\(profile.name.value).\(fileExtension)"
        let target = outputs.stage(name)
        switch format {
        case .raw: return nil
        case .qcow2: try DiskImage.convertToQCOW2(raw: image.path, to: target.path)
        case .vmdk:
            try VMDK.writeStreamOptimized(
                raw: image.path, to: target.path, extentName: name, seed: try FileHashing.sha256Hex(ofFile: image.path))
        case .vhd:
            try VHD.writeFixed(
                raw: image.path, to: target.path, seed: try FileHashing.sha256Hex(ofFile: image.path),
                sourceDateEpoch: epoch)
        case .gce: try GCEImage.write(raw: image.path, to: target.path, sourceDateEpoch: epoch)
        }
        return (format.rawValue, target)
    }
}
