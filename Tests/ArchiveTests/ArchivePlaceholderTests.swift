import Testing

@Suite struct ArchivePlaceholderTests {
    @Test func packageBuilds() { #expect(Bool(true)) }
}
