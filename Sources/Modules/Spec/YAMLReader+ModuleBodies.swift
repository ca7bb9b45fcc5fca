import Basics
import Yams

extension YAMLReader where Failure == SpecError {
    /// A reader of a module step's body that starts on line `lineOffset + 1` of its file.
    static func moduleBody(lineOffset: Int, lint: Bool) -> Self {
        Self(lineOffset: lineOffset, lint: lint, rules: .moduleBody)
    }

    /// Parses `text` as one YAML mapping.
    func root(_ text: String) throws(SpecError) -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw SpecError(line: 1 + lineOffset, "the body is empty; it needs 'key: value' lines")
            }
            return node
        } catch let error as SpecError {
            throw error
        } catch let error as YamlError {
            if case .scanner(_, _, let mark, _) = error {
                throw SpecError(line: mark.line + lineOffset, "invalid YAML: \(error)")
            }
            if case .parser(_, _, let mark, _) = error {
                throw SpecError(line: mark.line + lineOffset, "invalid YAML: \(error)")
            }
            throw SpecError(line: 1 + lineOffset, "invalid YAML: \(error)")
        } catch {
            throw SpecError(line: 1 + lineOffset, "invalid YAML: \(error)")
        }
    }

    /// A value that is run by a shell must be written out, never filled from `{{ }}` templates.
    func literalCommand(_ node: Node, at key: String) throws(SpecError) -> String {
        let text = try string(node, at: key)
        if text.contains("{{") {
            throw fail(
                node,
                "'\(key)' may not use {{ }} templates: the command runs in a shell, so values would be spliced into it; pass values through environment variables instead"
            )
        }
        return text
    }
}
