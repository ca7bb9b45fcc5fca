import Runbooks
import Testing

@Suite("Rendering through Discount")
struct RenderTests {
    @Test("a runbook page keeps headings, prose and fenced code")
    func page() {
        let runbook = Fixture.lint("full.md").runbook
        let html = HTMLRenderer.page(title: runbook.title, markdown: runbook.body)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<title>Restore the orders database</title>"))
        #expect(html.contains("<h2 id=\"Check-the-primary\">Check the primary</h2>"))
        #expect(html.contains("<a href=\"#Check-the-primary\">Check the primary</a>"), "table of contents")
        #expect(html.contains("<p>Prose is documentation.</p>"))
        #expect(html.contains("curl -fsS http://127.0.0.1:8080/health"))
        #expect(html.contains("<pre><code"))
        #expect(html.contains("<pre><code class=\"bash\">#| when:"), "a fence with attributes stays code")
        #expect(html.contains("<pre><code class=\"python3\">print(\"backup\")"))
        #expect(!html.contains("{\"name\""), "attributes never leak into class names")
        #expect(!html.contains("id: orders-db-restore"), "front matter is not rendered")
        #expect(html.contains("<nav class=\"toc\">"))
    }

    @Test("HTML is escaped in titles")
    func escaping() {
        #expect(HTMLRenderer.escape("<a & \"b\">") == "&lt;a &amp; &quot;b&quot;&gt;")
        #expect(HTMLRenderer.page(title: "<x>", markdown: "").contains("<title>&lt;x&gt;</title>"))
    }
}
