import Foundation
import Testing

@testable import WebConsole

@Suite("Console templates and assets")
struct WebAssetsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("the built-in copies are templates/web/, byte for byte (run scripts/embed-web-assets.py after an edit)")
    func builtinCopiesMatch() throws {
        let directory = Self.root.appendingPathComponent("templates/web")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names == PageRenderer.builtinNames)
        for name in names {
            let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            #expect(PageRenderer.builtin(name) == String(text.dropLast(text.hasSuffix("\n") ? 1 : 0)), "\(name)")
        }
    }

    @Test("every value is escaped: the only triple mustache is documentHTML, which Discount renders with raw HTML off")
    func everyValueIsEscaped() throws {
        let unescaped = try Regex(#"\{\{\{\s*([^}]*?)\s*\}\}\}"#)
        for name in PageRenderer.builtinNames where name.hasSuffix(".mustache") {
            let text = PageRenderer.builtin(name) ?? ""
            for match in text.matches(of: unescaped) {
                #expect(String(text[match.range]) == "{{{documentHTML}}}", "\(name) inserts a value unescaped")
            }
            #expect(!text.contains("{{&"), "\(name) uses {{& }}")
        }
    }

    @Test("the script has no inline handlers, and pages load it from /static, so the CSP can forbid inline script")
    func noInlineScript() {
        for name in PageRenderer.builtinNames where name.hasSuffix(".mustache") {
            let text = PageRenderer.builtin(name) ?? ""
            #expect(!text.contains("<script>"), "\(name) has an inline script")
            #expect(text.range(of: #" on[a-z]+="#, options: .regularExpression) == nil, "\(name) has an on…= handler")
            #expect(!text.contains("style="), "\(name) has an inline style")
        }
    }
}
