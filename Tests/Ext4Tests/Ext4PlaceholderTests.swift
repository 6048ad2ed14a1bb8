import Testing

@Suite struct Ext4PlaceholderTests {
    @Test func packageBuilds() { #expect(Bool(true)) }
}
