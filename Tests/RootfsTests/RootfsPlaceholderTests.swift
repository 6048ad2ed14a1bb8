import Testing

@Suite struct RootfsPlaceholderTests {
    @Test func packageBuilds() { #expect(Bool(true)) }
}
