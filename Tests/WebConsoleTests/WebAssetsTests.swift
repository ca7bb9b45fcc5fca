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

    /// WCAG 2 relative luminance of `#rrggbb`.
    static func luminance(_ hex: String) -> Double {
        let value = Int(hex.dropFirst(), radix: 16) ?? 0
        func channel(_ shift: Int) -> Double {
            let c = Double((value >> shift) & 0xFF) / 255
            return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0)
    }

    static func contrast(_ a: String, _ b: String) -> Double {
        let (x, y) = (luminance(a), luminance(b))
        return (max(x, y) + 0.05) / (min(x, y) + 0.05)
    }

    @Test("the severity badges' white text passes WCAG AA (4.5:1) on every severity colour")
    func severityContrast() throws {
        let css = try #require(PageRenderer.builtin("console.css"))
        let colours = try Regex(#"--(p[0-3]): (#[0-9a-fA-F]{6})"#)
        let found = css.matches(of: colours).map { (String(css[$0.range].prefix(4)), String(css[$0.range].suffix(7))) }
        #expect(found.count == 4, "\(found)")
        for (name, colour) in found {
            #expect(Self.contrast(colour, "#ffffff") >= 4.5, "\(name) \(colour): \(Self.contrast(colour, "#ffffff"))")
        }
        #expect(Self.contrast("#777777", "#ffffff") < 4.5, "the check can fail")
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
