import Basics
import CDiscount

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Renders Markdown to HTML through Discount, keeping fenced code blocks.
public enum HTMLRenderer {
    private static let flags =
        mkd_flag_t(MKD_FENCEDCODE) | mkd_flag_t(MKD_TOC) | mkd_flag_t(MKD_IDANCHOR)
        | mkd_flag_t(MKD_AUTOLINK)

    /// The HTML fragment for `markdown`.
    public static func fragment(_ markdown: String) -> String {
        render(markdown, flags: flags).body
    }

    /// The HTML fragment for `markdown` for a page of the console: raw HTML in the Markdown is escaped (it shows
    /// as text), and links and images keep only safe protocols, so a runbook cannot put script on the page.
    public static func safeFragment(_ markdown: String) -> String {
        render(markdown, flags: flags | mkd_flag_t(MKD_NOHTML) | mkd_flag_t(MKD_SAFELINK)).body
    }

    /// A complete HTML page with a title, a table of contents and the rendered body.
    public static func page(title: String, markdown: String) -> String {
        let (body, toc) = render(markdown, flags: flags)
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>\(escape(title))</title>
            <style>
            body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
            pre { background: #f5f5f5; padding: .75rem; overflow-x: auto; }
            table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .25rem .5rem; }
            nav.toc { border-left: 3px solid #ddd; padding-left: 1rem; }
            </style>
            </head>
            <body>
            <nav class="toc">
            \(toc)</nav>
            <main>
            \(body)
            </main>
            </body>
            </html>

            """
    }

    /// Reduces every fence info string to its language: Discount puts the whole info string into a
    /// `class` attribute unescaped, and does not recognise some fences that carry `{…}` attributes.
    static func normalizeFences(_ markdown: String) -> String {
        var lines = BlockScanner.lines(markdown)
        var open: (marker: UInt8, count: Int)?
        for index in lines.indices {
            if let current = open {
                if BlockScanner.isFenceClosing(lines[index], marker: current.marker, count: current.count) {
                    open = nil
                }
                continue
            }
            guard let (marker, count, info) = BlockScanner.fenceOpening(lines[index]) else { continue }
            open = (marker, count)
            let language = info.prefix { $0 != " " && $0 != "{" && $0 != "\t" }
            let indent = lines[index].prefix { $0 == " " }
            lines[index] = Substring(
                indent + String(repeating: Character(UnicodeScalar(marker)), count: count) + language)
        }
        return lines.joined(separator: "\n")
    }

    private static func render(_ markdown: String, flags: mkd_flag_t) -> (body: String, toc: String) {
        var utf8 = Array(normalizeFences(markdown).utf8)
        utf8.append(0)
        return utf8.withUnsafeBufferPointer { buffer -> (String, String) in
            let text = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            guard let document = mkd_string(text, Int32(buffer.count - 1), flags) else { return ("", "") }
            defer { mkd_cleanup(document) }
            guard mkd_compile(document, flags) != 0 else { return ("", "") }
            var output: UnsafeMutablePointer<CChar>?
            let length = mkd_document(document, &output)
            var body = ""
            if length > 0, let output {
                body = String(decoding: UnsafeRawBufferPointer(start: output, count: Int(length)), as: UTF8.self)
            }
            var tocPointer: UnsafeMutablePointer<CChar>?
            let tocLength = mkd_toc(document, &tocPointer)
            var toc = ""
            if tocLength > 0, let tocPointer {
                toc = String(decoding: UnsafeRawBufferPointer(start: tocPointer, count: Int(tocLength)), as: UTF8.self)
                free(tocPointer)
            }
            return (body, toc)
        }
    }

    /// Escapes text for HTML content and quoted attributes (see ``HTML/escape(_:)``).
    public static func escape(_ text: String) -> String { HTML.escape(text) }
}
