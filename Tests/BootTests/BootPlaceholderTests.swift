import Testing

@Suite struct BootPlaceholderTests {
    @Test func packageBuilds() { #expect(Bool(true)) }
}
