//! The timeline as one self-contained HTML page: the page, its style and
//! its script (`assets/timeline.{html,css,js}`, compiled in) and the
//! timeline's data as JSON in a `<script type="application/json">`. No
//! network, no libraries: it opens from disk in any current browser.

use crate::model::Timeline;

const PAGE: &str = include_str!("../assets/timeline.html");
const STYLE: &str = include_str!("../assets/timeline.css");
const SCRIPT: &str = include_str!("../assets/timeline.js");

/// The page.
pub fn render(t: &Timeline) -> String {
    let verdict = if t.header.verdict == "passed" {
        "passed"
    } else {
        "FAILED"
    };
    let title = format!(
        "{} seed {} {} — raftlab timeline",
        t.header.test, t.header.seed, verdict
    );
    // The data goes in last, so nothing in it (a Raft's log line) can be
    // taken for a placeholder.
    PAGE.replacen("{{TITLE}}", &escape_html(&title), 1)
        .replacen("{{CSS}}", STYLE, 1)
        .replacen("{{JS}}", SCRIPT, 1)
        .replacen("{{DATA}}", &data_json(t), 1)
}

/// The timeline as JSON that is safe inside a `<script>` element: `</`
/// (which would end the element) is written `<\/`, the same string in JSON.
pub fn data_json(t: &Timeline) -> String {
    serde_json::to_string(t)
        .expect("a timeline serialises")
        .replace("</", "<\\/")
        .replace("<!--", "<\\u0021--")
}

/// Text made safe for HTML (also `{`, so it can hold no placeholder).
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '{' => out.push_str("&#123;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Header, Mark};

    #[test]
    fn data_cannot_close_the_script_or_fill_a_placeholder() {
        let mut t = Timeline {
            header: Header {
                test: "Test<x>{{CSS}}".into(),
                servers: 1,
                ..Header::default()
            },
            ..Timeline::default()
        };
        t.marks.push(Mark {
            server: 0,
            t: 0,
            topic: "raft".into(),
            text: "</script><!-- {{JS}}".into(),
        });
        let page = render(&t);
        assert_eq!(page.matches("</script>").count(), 2, "only the page's own");
        assert_eq!(
            page.matches(SCRIPT).count(),
            1,
            "the script once, not in the data"
        );
        assert_eq!(
            page.matches(STYLE).count(),
            1,
            "the style once, not in the title"
        );
        assert!(page.contains("<title>Test&lt;x&gt;&#123;&#123;CSS}} seed"));
        let json = data_json(&t);
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["marks"][0]["text"], "</script><!-- {{JS}}");
    }
}
