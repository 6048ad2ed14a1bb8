import Testing

@Suite struct BuildPlaceholderTests {
    @Test func packageBuilds() { #expect(Bool(true)) }
}
