import Testing

@Suite struct ProfilePlaceholderTests {
    @Test func packageBuilds() { #expect(Bool(true)) }
}
