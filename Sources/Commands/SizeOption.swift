// Sizes on the command line follow the profile's rules (Profile.parseSize): binary units (512MiB,
// 2GiB, 2G), decimal units refused with the same message a profile gets, since "2GB" could mean
// either. A plain number counts MiB, as QEMU's -m does.
import ArgumentParser
import Profile
import Quoting

enum SizeOption {
    /// `text` in MiB; the error names `flag` and the value, like a profile problem names its key.
    static func mebibytes(_ text: String, flag: String, minimum: Int = 1) throws(ValidationError) -> Int {
        func failure(_ message: String) -> ValidationError {
            ValidationError("\(flag) \(Quoting.doubleQuoted(text)): \(message)")
        }
        let bytes: UInt64
        if !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard text.count <= 10, let count = UInt64(text) else { throw failure("size is too large") }
            bytes = count << 20
        } else {
            switch Profile.parseSize(text) {
            case .success(let parsed): bytes = parsed
            case .failure(let error): throw failure(error.message)
            }
        }
        guard bytes % (1 << 20) == 0 else { throw failure("expected a whole number of MiB, like 1536MiB or 2GiB") }
        let mebibytes = bytes >> 20
        guard mebibytes <= UInt64(Int32.max) else { throw failure("size is too large") }
        guard mebibytes >= UInt64(minimum) else { throw failure("must be at least \(minimum)MiB") }
        return Int(mebibytes)
    }
}
