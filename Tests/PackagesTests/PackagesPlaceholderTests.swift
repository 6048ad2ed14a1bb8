import Testing

@Suite struct PackagesPlaceholderTests {
    @Test func packageBuilds() { #expect(Bool(true)) }
}
