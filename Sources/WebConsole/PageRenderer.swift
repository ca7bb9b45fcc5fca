import Foundation
import Mustache

/// Renders the console's pages from Mustache templates: `templates/web/` in the working directory when it exists
/// (a team's own copy), else the built-in copies. Mustache escapes every `{{value}}` for HTML, quotes included;
/// the only unescaped value is `{{{documentHTML}}}`, Markdown rendered by Discount with raw HTML off.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let assets: [String: String]
    /// Where the templates came from, for the log.
    public let source: String

    /// The templates and assets of `directory` when it exists, else the built-in ones.
    /// - Throws: ``ConsoleTemplateError`` when a template of the directory does not parse.
    public init(directory: String? = "templates/web") throws {
        var files = WebAssets.files
        var source = "built-in"
        if let directory, FileManager.default.fileExists(atPath: directory) {
            for name in WebAssets.files.keys {
                let path = (directory as NSString).appendingPathComponent(name)
                if let text = try? String(contentsOfFile: path, encoding: .utf8) { files[name] = text }
            }
            source = directory
        }
        var library = MustacheLibrary()
        for (name, text) in files where name.hasSuffix(".mustache") {
            do {
                try library.register(text, named: String(name.dropLast(".mustache".count)))
            } catch {
                throw ConsoleTemplateError(message: "\(source)/\(name) does not parse: \(error)")
            }
        }
        self.library = library
        self.assets = files
        self.source = source
    }

    /// The page `template` filled from `model`.
    public func render(_ template: String, _ model: Any) -> String {
        library.render(model, withTemplate: template)
            ?? "<!doctype html><title>Firebreak</title><p>no template \(template)"
    }

    /// A static file (`console.css`, `console.js`), or `nil`.
    public func asset(_ name: String) -> String? {
        name.hasSuffix(".mustache") ? nil : assets[name]
    }

    /// The built-in copy of a file of `templates/web/` (tests compare them).
    public static func builtin(_ name: String) -> String? { WebAssets.files[name] }

    /// The names of the built-in files.
    public static var builtinNames: [String] { WebAssets.files.keys.sorted() }
}

/// A console template that cannot be used.
public struct ConsoleTemplateError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
