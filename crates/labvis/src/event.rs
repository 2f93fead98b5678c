//! One collected `tracing` event, with every field kept as text. The
//! builder reads them through [`crate::vocab`], which is the only place that
//! knows the lab's topic and field names.

/// One event of the run, in the order it was emitted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Event {
    /// Virtual ms (the event's `t`, or the enclosing span's).
    pub t: u64,
    /// The `tracing` target (`tester`, `labraft`, `labrpc`, a user's own).
    pub target: String,
    /// `ERROR`, `WARN`, `INFO`, `DEBUG` or `TRACE`.
    pub level: &'static str,
    /// The server it concerns (the event's `node`, or the enclosing span's).
    pub node: Option<usize>,
    /// That server's incarnation, when a span says so.
    pub incarnation: Option<u32>,
    /// The `topic` field ("" when none).
    pub topic: String,
    /// The formatted message.
    pub message: String,
    /// Every other field, as `(name, text)`, in the order they were recorded.
    pub fields: Vec<(String, String)>,
}

impl Event {
    /// The text of field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Field `name` as a number.
    pub fn num(&self, name: &str) -> Option<u64> {
        self.field(name)?.trim().parse().ok()
    }

    /// Field `name` as a signed number.
    pub fn int(&self, name: &str) -> Option<i64> {
        self.field(name)?.trim().parse().ok()
    }

    /// Field `name` as a flag (`true`/`false`).
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.field(name)?.trim().parse().ok()
    }

    /// A new event (for tests and adapters).
    pub fn new(t: u64, target: &str, topic: &str, message: &str) -> Event {
        Event {
            t,
            target: target.to_string(),
            level: "INFO",
            topic: topic.to_string(),
            message: message.to_string(),
            ..Event::default()
        }
    }

    /// The same event about server `node`.
    pub fn on(mut self, node: usize) -> Event {
        self.node = Some(node);
        self
    }

    /// The same event with one more field.
    pub fn with(mut self, name: &str, value: impl ToString) -> Event {
        self.fields.push((name.to_string(), value.to_string()));
        self
    }
}
