import Testing

@Suite struct FirstBootPlaceholderTests {
    @Test func packageBuilds() { #expect(Bool(true)) }
}
