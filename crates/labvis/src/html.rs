//! The timeline as one self-contained HTML page: the page, its style and
//! its script (`assets/timeline.{html,css,js}`, compiled in) and the
//! timeline's data as JSON in a `<script type="application/json">`. No
//! network, no libraries: it opens from disk in any current browser.

use crate::model::{Mark, Rpc, RpcEnd, StateRow, Timeline};
use serde::ser::{Serialize, SerializeSeq, Serializer};

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
/// The many rows (RPCs, marks, states) are arrays rather than objects,
/// which halves the page; the script names their columns again.
pub fn data_json(t: &Timeline) -> String {
    let page = Page {
        header: &t.header,
        steps: &t.steps,
        failure: &t.failure,
        network: &t.network,
        lanes: &t.lanes,
        roles: &t.roles,
        elections: &t.elections,
        series: &t.series,
        snapshots: &t.snapshots,
        kinds: &t.kinds,
        marks: Rows(&t.marks),
        rpcs: Rows(&t.rpcs),
        states: Rows(&t.states),
    };
    serde_json::to_string(&page)
        .expect("a timeline serialises")
        .replace("</", "<\\/")
        .replace("<!--", "<\\u0021--")
}

/// What the page's script reads: the [`Timeline`], with rows as arrays.
#[derive(serde::Serialize)]
struct Page<'a> {
    header: &'a crate::model::Header,
    steps: &'a [crate::model::Step],
    failure: &'a Option<crate::model::FailureMark>,
    network: &'a crate::model::Network,
    lanes: &'a [crate::model::Lane],
    roles: &'a [crate::model::RoleSpan],
    elections: &'a [crate::model::Election],
    series: &'a [crate::model::Series],
    snapshots: &'a [crate::model::SnapshotMark],
    kinds: &'a [String],
    marks: Rows<'a, Mark>,
    rpcs: Rows<'a, Rpc>,
    states: Rows<'a, StateRow>,
}

/// A list written as an array of arrays (see [`Row`]).
struct Rows<'a, T>(&'a [T]);

/// One row as an array, in the order `timeline.js` names the columns.
trait Row {
    fn write<S: SerializeSeq>(&self, seq: &mut S) -> Result<(), S::Error>;
}

impl<T: Row> Serialize for Rows<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct One<'r, T>(&'r T);
        impl<T: Row> Serialize for One<'_, T> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut seq = serializer.serialize_seq(None)?;
                self.0.write(&mut seq)?;
                seq.end()
            }
        }
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for row in self.0 {
            seq.serialize_element(&One(row))?;
        }
        seq.end()
    }
}

/// `[server, t, topic, text]`.
impl Row for Mark {
    fn write<S: SerializeSeq>(&self, seq: &mut S) -> Result<(), S::Error> {
        seq.serialize_element(&self.server)?;
        seq.serialize_element(&self.t)?;
        seq.serialize_element(&self.topic)?;
        seq.serialize_element(&self.text)
    }
}

/// `[call, from, to, kind, sent_ms, arrived_ms, ended_ms, end, reason,
/// request, reply]`.
impl Row for Rpc {
    fn write<S: SerializeSeq>(&self, seq: &mut S) -> Result<(), S::Error> {
        let end = match self.end {
            RpcEnd::Replied => "replied",
            RpcEnd::Failed => "failed",
            RpcEnd::Pending => "pending",
        };
        seq.serialize_element(&self.call)?;
        seq.serialize_element(&self.from)?;
        seq.serialize_element(&self.to)?;
        seq.serialize_element(&self.kind)?;
        seq.serialize_element(&self.sent_ms)?;
        seq.serialize_element(&self.arrived_ms)?;
        seq.serialize_element(&self.ended_ms)?;
        seq.serialize_element(end)?;
        seq.serialize_element(&self.reason)?;
        seq.serialize_element(&self.request)?;
        seq.serialize_element(&self.reply)
    }
}

/// `[t, server, incarnation, up, connected, role, term, voted_for, commit,
/// applied, log_first, log_last]`.
impl Row for StateRow {
    fn write<S: SerializeSeq>(&self, seq: &mut S) -> Result<(), S::Error> {
        seq.serialize_element(&self.t)?;
        seq.serialize_element(&self.server)?;
        seq.serialize_element(&self.incarnation)?;
        seq.serialize_element(&self.up)?;
        seq.serialize_element(&self.connected)?;
        seq.serialize_element(&self.role)?;
        seq.serialize_element(&self.term)?;
        seq.serialize_element(&self.voted_for)?;
        seq.serialize_element(&self.commit)?;
        seq.serialize_element(&self.applied)?;
        seq.serialize_element(&self.log_first)?;
        seq.serialize_element(&self.log_last)
    }
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
        assert_eq!(back["marks"][0][3], "</script><!-- {{JS}}");
    }
}
