internal import CLibXML2
internal import CZlib

/// Versions of the C libraries the XLSX code is built against.
public enum XLSXLibraries {
    /// zlib's version string.
    public static var zlibVersion: String { String(cString: CZlib.zlibVersion()) }
    /// libxml2's header version (`LIBXML_DOTTED_VERSION`).
    public static var libxml2Version: String { LIBXML_DOTTED_VERSION }
}
