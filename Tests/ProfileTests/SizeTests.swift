import Profile
import Testing

/// Sizes: binary units (K, M, G, T mean KiB, MiB, GiB, TiB), plain bytes, exact fractions.
@Suite struct SizeTests {
    static let mib: UInt64 = 1 << 20
    static let valid: [(String, UInt64)] = [
        ("4096", 4096), ("1K", 1024), ("1KiB", 1024), ("512MiB", 512 * mib), ("512M", 512 * mib),
        ("2GiB", 2048 * mib), ("1G", 1024 * mib), ("1TiB", 1024 * 1024 * mib), ("1.5GiB", 1536 * mib), ("0.5K", 512),
        ("64 MiB", 64 * mib), ("0", 0),
    ]
    static let roundTrips: [UInt64] = [
        0, 1, 1023, 1024, 1536, 512 * mib, 1536 * mib, 2048 * mib, 1 << 40, (1 << 40) + 1,
    ]

    @Test(arguments: valid)
    func parses(_ text: String, _ bytes: UInt64) {
        #expect(Profile.parseSize(text) == .success(bytes))
    }

    @Test(arguments: [
        ("12X", "expected a size like 512MiB or 2GiB"),
        ("", "expected a size like 512MiB or 2GiB"),
        ("MiB", "expected a size like 512MiB or 2GiB"),
        ("-1MiB", "expected a size like 512MiB or 2GiB"),
        ("1..5G", "expected a size like 512MiB or 2GiB"),
        ("512mib", "expected a size like 512MiB or 2GiB"),
        ("2GB", "decimal units are ambiguous; write 2GiB (sizes count in powers of 1024)"),
        ("100MB", "decimal units are ambiguous; write 100MiB (sizes count in powers of 1024)"),
        ("1.3", "1.3 is not a whole number of bytes"),
        ("0.1K", "0.1K is not a whole number of bytes"),
        ("99999999999999999999", "size is too large"),
        ("9000000TiB", "size is too large"),
    ])
    func rejects(_ text: String, _ message: String) {
        #expect(Profile.parseSize(text) == .failure(Profile.SizeError(message)))
    }

    @Test(arguments: roundTrips)
    func formatsCanonicallyAndBack(_ bytes: UInt64) {
        #expect(Profile.parseSize(Profile.formatSize(bytes)) == .success(bytes))
    }

    @Test func formatUsesTheLargestExactUnit() {
        #expect(Profile.formatSize(1536 << 20) == "1536MiB")
        #expect(Profile.formatSize(2 << 30) == "2GiB")
        #expect(Profile.formatSize(1000) == "1000")
    }
}
