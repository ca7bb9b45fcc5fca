import Foundation
import Mustache
import Runbooks
import Store

/// A template that cannot be used, with its file and line.
public struct TemplateError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Builds post-mortem documents from a Mustache template and the store.
///
/// ```swift
/// let generator = try PostmortemGenerator(templatePath: nil)
/// let markdown = try await generator.markdown(for: "INC-4", store: store)
/// ```
public struct PostmortemGenerator: Sendable {
    /// Where the default template is looked for, relative to the working directory.
    public static let defaultTemplatePath = "templates/postmortem.md.mustache"
    let template: MustacheTemplate
    /// Where the template came from, for messages.
    public let templateSource: String

    /// Loads `templatePath`; without one, `./templates/postmortem.md.mustache` when it exists, else the built-in
    /// template.
    /// - Throws: ``TemplateError`` naming the file, line and column of a syntax error, or a missing file.
    public init(templatePath: String?) throws(TemplateError) {
        let path =
            templatePath
            ?? (FileManager.default.fileExists(atPath: Self.defaultTemplatePath) ? Self.defaultTemplatePath : nil)
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TemplateError(
                    "\(path): no such template file (or it cannot be read); omit --template to use the default")
            }
            try self.init(text: String(decoding: data, as: UTF8.self), source: path)
        } else {
            try self.init(text: DefaultTemplate.text, source: "the built-in template")
        }
    }

    /// Compiles template text.
    public init(text: String, source: String) throws(TemplateError) {
        do {
            template = try MustacheTemplate(string: text)
        } catch let error as MustacheTemplate.ParserError {
            throw TemplateError(
                "\(source):\(error.context.lineNumber):\(error.context.columnNumber): invalid template: \(Self.explain(error.error)) in: \(error.context.line.trimmingCharacters(in: .whitespaces))"
            )
        } catch {
            throw TemplateError("\(source): invalid template: \(error)")
        }
        templateSource = source
    }

    static func explain(_ error: any Error) -> String {
        switch error {
        case MustacheTemplate.Error.sectionCloseNameIncorrect:
            "a section is closed with a different name than it was opened"
        case MustacheTemplate.Error.unfinishedName: "a tag is not closed with }}"
        case MustacheTemplate.Error.expectedSectionEnd: "a section is opened but never closed"
        default: "\(error)"
        }
    }

    /// Renders the post-mortem of `input` as Markdown.
    public func markdown(_ input: PostmortemInput, now: Date) -> String {
        let metrics = ResponseMetrics(input, now: now)
        return template.render(PostmortemContext.build(input, metrics: metrics, now: now))
    }

    /// Reads the incident from the store and renders it.
    public func markdown(for incidentID: String, store: any Storage, now: Date = Date()) async throws -> String {
        markdown(try await PostmortemInput.load(from: store, incidentID: incidentID), now: now)
    }

    /// A complete HTML page (Discount), with a table of contents from the headings.
    public static func html(markdown: String, title: String) -> String {
        HTMLRenderer.page(title: title, markdown: markdown)
    }
}
