import FirebreakTesting
import Foundation
import Server
import Testing
import Yams

@Suite("docs/openapi.yaml")
struct OpenAPITests {
    @Test("documents exactly the routes the server has")
    func routesMatch() throws {
        let test = try TestServer()
        let served = Set(test.server.makeRouter().routes.map { "\($0.method.rawValue.lowercased()) \($0.path)" })
        let text = try String(contentsOf: CommandLineTool.packageRoot.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented: Set<String> = []
        for (path, operations) in paths {
            for method in operations.keys { documented.insert("\(method) \(path)") }
        }
        #expect(served == documented, "served but undocumented: \(served.subtracting(documented).sorted()); documented but not served: \(documented.subtracting(served).sorted())")
    }
}
