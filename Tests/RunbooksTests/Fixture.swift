import Foundation
import Runbooks

enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures")

    static func text(_ name: String) -> String {
        String(
            decoding: FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) ?? Data(),
            as: UTF8.self)
    }

    static func lint(_ name: String) -> RunbookParser.Result {
        RunbookLinter().lint(
            text(name), defaultID: URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent)
    }
}
