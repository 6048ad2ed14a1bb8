import Testing

@Suite struct SystemPlaceholderTests {
    @Test func packageBuilds() { #expect(Bool(true)) }
}
