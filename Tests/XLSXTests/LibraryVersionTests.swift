import Testing

@testable import XLSX

@Suite("C libraries")
struct LibraryVersionTests {
    @Test func linksZlibAndLibxml2() {
        #expect(XLSXLibraries.zlibVersion.hasPrefix("1."))
        #expect(XLSXLibraries.libxml2Version.hasPrefix("2."))
    }
}
