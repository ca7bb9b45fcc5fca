import FirebreakTesting
import Foundation
import Server
import Testing
import Yams

@Suite("docs/openapi.yaml")
struct OpenAPITests {
    @Test("documents exactly the routes the server has")
    func routesMatch() async throws {
        let test = try await TestServer()
        let router = test.server.makeRouter()
        // The console's pages answer HTML to browsers; docs/console.md documents them, not the API contract.
        let console = Set(test.server.consoleRoutes.routes.map { "\($0.method.rawValue.lowercased()) \($0.path)" })
        let served = Set(router.routes.map { "\($0.method.rawValue.lowercased()) \($0.path)" }).subtracting(console)
        let text = try String(
            contentsOf: CommandLineTool.packageRoot.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented: Set<String> = []
        for (path, operations) in paths {
            for method in operations.keys { documented.insert("\(method) \(path)") }
        }
        #expect(
            served == documented,
            "served but undocumented: \(served.subtracting(documented).sorted()); documented but not served: \(documented.subtracting(served).sorted())"
        )
    }

    @Test("every $ref points at something the document defines")
    func referencesResolve() throws {
        let text = try String(
            contentsOf: CommandLineTool.packageRoot.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        var references: Set<String> = []
        func collect(_ node: Any) {
            if let mapping = node as? [String: Any] {
                if let reference = mapping["$ref"] as? String { references.insert(reference) }
                mapping.values.forEach(collect)
            } else if let list = node as? [Any] {
                list.forEach(collect)
            }
        }
        collect(document)
        #expect(references.count > 10)
        let unresolved = references.filter { reference in
            var node: Any? = document
            for part in reference.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
            return node == nil
        }
        #expect(unresolved.isEmpty, "undefined: \(unresolved.sorted())")
    }
}
