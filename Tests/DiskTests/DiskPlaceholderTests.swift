import Testing

@Suite struct DiskPlaceholderTests {
    @Test func packageBuilds() { #expect(Bool(true)) }
}
