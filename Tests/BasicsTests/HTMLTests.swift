import Basics
import Testing

@Suite("HTML escaping")
struct HTMLTests {
    @Test("the five characters become entities; everything else, emoji and CRLF included, is kept")
    func escape() {
        #expect(
            HTML.escape(#"<a href="x">Tom & Jerry's</a>"#)
                == "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;")
        #expect(HTML.escape("plain ü 🔥\r\n") == "plain ü 🔥\r\n")
    }
}
