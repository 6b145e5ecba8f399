import Foundation
import OrderedJSON
import Testing

@testable import Sandbox

@Suite("sandbox JSON values")
struct SandboxJSONTests {
    /// Keys sorted and numbers rewritten, as the old `JSONDecoder` path stored a request.
    @Test func requestsAreStoredAsTheOldDecoderStoredThem() throws {
        let value = try #require(JSONValue.decoded(Array(#"{"b":3.0,"a":2.50,"c":3e2,"d":-0,"e":1e20,"f":7}"#.utf8)))
        #expect(value.jsonText == #"{"a":2.5,"b":3,"c":300,"d":0,"e":1e+20,"f":7}"#)
        #expect(value["b"]?.typeName == "integer")
        #expect(value["a"]?.typeName == "number")
        #expect(value["e"]?.typeName == "number")
        #expect(value["b"]?.intValue == 3)
        #expect(value["a"]?.intValue == nil)
        #expect(JSONValue.decoded(Array("1e400".utf8)) == nil)
        #expect(JSONValue.decoded(Array("{".utf8)) == nil)
    }

    @Test func doublesAreWrittenAsBefore() {
        #expect(JSONValue.double(100).jsonText == "100.0")
        #expect(JSONValue.double(0).jsonText == "0.0")
        #expect(JSONValue.double(12.34).jsonText == "12.34")
        #expect(JSONValue.double(.infinity) == .null)
    }

    @Test func accessorsAreStrict() {
        let number: JSONValue = 5
        let text: JSONValue = "5"
        #expect(number.stringValue == nil && number.textValue == "5")
        #expect(text.intValue == nil && text.integerValue == 5)
    }

    /// A state line as the old code wrote it (through `JSONEncoder`) still loads.
    @Test func oldStateTextDecodes() throws {
        let line = #"{"metadata":{"z":1,"a":[2.5,true,null,"x"],"m":{"k":100}}}"#
        struct Row: Codable { var metadata: JSONValue }
        let row = try JSONDecoder().decode(Row.self, from: Data(line.utf8))
        #expect(row.metadata.jsonText == #"{"a":[2.5,true,null,"x"],"m":{"k":100},"z":1}"#)
        let again = try JSONDecoder().decode(Row.self, from: try JSONEncoder().encode(row))
        #expect(again.metadata == row.metadata)
    }
}
