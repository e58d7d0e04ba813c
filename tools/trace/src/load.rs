//! Reading a trace file into a [`Trace`]: one pass of serde_json over the text that keeps only
//! one event's JSON value at a time (the top-level object is walked with serde's visitors, each
//! element of `traceEvents` becomes a `serde_json::Value`, is converted, and dropped), so that
//! files of millions of events load in about a second and in little more memory than the
//! parsed events themselves.
//!
//! Errors that leave nothing to check (the file cannot be read, is not JSON, is not an object
//! with a `traceEvents` array) are returned as one line of text; everything else about the
//! events is for `check` to judge.

use crate::model::{Args, Event, Interner, OtherData, Phase, Trace};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;
use std::path::Path;

/// Reads and parses `path`. The error names the file.
pub fn load_file(path: &Path) -> Result<Trace, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses the text of a trace file.
pub fn parse(bytes: &[u8]) -> Result<Trace, String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut trace = Trace::default();
    let found = de
        .deserialize_map(TopVisitor { trace: &mut trace })
        .map_err(|e| format!("not a valid trace file: {e}"))?;
    de.end()
        .map_err(|e| format!("not a valid trace file: {e}"))?;
    if !found {
        return Err("not a valid trace file: the top-level object has no `traceEvents`".into());
    }
    Ok(trace)
}

/// The top-level object: `traceEvents` streamed, `otherData` kept, the rest skipped. Yields
/// whether `traceEvents` was there.
struct TopVisitor<'a> {
    trace: &'a mut Trace,
}

impl<'de> Visitor<'de> for TopVisitor<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object with a `traceEvents` array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "traceEvents" => {
                    if found {
                        return Err(serde::de::Error::custom("`traceEvents` appears twice"));
                    }
                    map.next_value_seed(EventsSeed { trace: self.trace })?;
                    found = true;
                }
                "otherData" => {
                    let v: Value = map.next_value()?;
                    self.trace.other = other_data(&v);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }
}

/// The `traceEvents` array.
struct EventsSeed<'a> {
    trace: &'a mut Trace,
}

impl<'de> DeserializeSeed<'de> for EventsSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EventsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("`traceEvents` to be an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if let Some(n) = seq.size_hint() {
            self.trace.events.reserve(n);
        }
        while let Some(v) = seq.next_element::<Value>()? {
            let event = event(&v, &mut self.trace.syms);
            self.trace.push(event);
        }
        Ok(())
    }
}

/// One element of `traceEvents`.
fn event(v: &Value, syms: &mut Interner) -> Event {
    let Some(obj) = v.as_object() else {
        return Event::not_object();
    };
    let ph = obj.get("ph").and_then(Value::as_str).map(|p| match p {
        "X" => Phase::Complete,
        "M" => Phase::Meta,
        "s" => Phase::FlowStart,
        "t" => Phase::FlowStep,
        "f" => Phase::FlowEnd,
        other => Phase::Other(syms.intern(other)),
    });
    let mut s = |key: &str| obj.get(key).and_then(Value::as_str).map(|t| syms.intern(t));
    let name = s("name");
    let cat = s("cat");
    let id = match obj.get("id") {
        Some(Value::String(t)) => Some(syms.intern(t)),
        Some(Value::Number(n)) => Some(syms.intern(&n.to_string())),
        _ => None,
    };
    let num = |key: &str| obj.get(key).and_then(Value::as_f64);
    Event {
        object: true,
        ph,
        name,
        cat,
        pid: obj.get("pid").and_then(Value::as_i64),
        tid: obj.get("tid").and_then(Value::as_i64),
        ts: num("ts"),
        dur: num("dur"),
        id,
        args: args(obj.get("args"), syms),
        lane: None,
    }
}

fn args(v: Option<&Value>, syms: &mut Interner) -> Args {
    let mut args = Args {
        visible: true,
        ..Args::default()
    };
    let Some(v) = v else {
        return args;
    };
    let Some(obj) = v.as_object() else {
        args.not_object = true;
        return args;
    };
    args.name = obj
        .get("name")
        .and_then(Value::as_str)
        .map(|t| syms.intern(t));
    args.sort_index = obj.get("sort_index").and_then(Value::as_i64);
    args.bytes = obj.get("bytes").and_then(Value::as_u64);
    args.visible = obj.get("visible").and_then(Value::as_bool) != Some(false);
    args
}

fn other_data(v: &Value) -> OtherData {
    OtherData {
        producer: v
            .get("producer")
            .and_then(Value::as_str)
            .map(str::to_string),
        dropped: v
            .get("dropped_events")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_events_lanes_and_other_data() {
        let t = parse(
            br#"{"otherData":{"producer":"torc 0.1.0","dropped_events":[0,3]},
                 "traceEvents":[
                   {"ph":"X","cat":"task","name":"f","pid":1,"tid":0,"ts":1.5,"dur":2,
                    "args":{"bytes":16,"visible":false}},
                   {"ph":"s","cat":"flow","name":"task","pid":0,"tid":1,"ts":1,"id":"0x1"},
                   {"ph":"f","cat":"flow","name":"task","pid":1,"tid":0,"ts":1.6,"id":7},
                   3]}"#,
        )
        .unwrap();
        assert_eq!(t.events.len(), 4);
        assert_eq!(t.other.producer.as_deref(), Some("torc 0.1.0"));
        assert_eq!(t.other.dropped_total(), 3);
        let x = &t.events[0];
        assert_eq!(x.ph, Some(Phase::Complete));
        assert_eq!(x.span(), Some((1.5, 3.5)));
        assert_eq!(x.args.bytes, Some(16));
        assert!(!x.args.visible);
        assert_eq!(t.text(t.events[2].id), "7");
        assert_eq!(t.events[0].lane, t.events[2].lane);
        assert_eq!(t.lanes.len(), 2);
        assert!(!t.events[3].object);
    }

    #[test]
    fn rejects_what_is_not_a_trace() {
        for (text, want) in [
            (&b"{"[..], "EOF"),
            (b"[]", "a JSON object with a `traceEvents` array"),
            (b"{\"traceEvents\":{}}", "`traceEvents` to be an array"),
            (b"{\"otherData\":{}}", "no `traceEvents`"),
            (b"{\"traceEvents\":[]} x", "trailing characters"),
        ] {
            let err = parse(text).err().expect("must fail");
            assert!(err.contains(want), "{err:?} lacks {want:?}");
        }
    }
}
