//! A small synthetic trace for the unit tests, as the runtime would write it: 2 nodes x 2
//! workers over 0..100 us, nested tasks, idle spans, messages, steals, a flow `s -> f` (a
//! remote spawn), one through a steal, and one `s -> t -> f`.
//!
//! What it holds (all times in us; `[a,b]` is an `X` event):
//!
//! | lane  | events |
//! |-------|--------|
//! | n0 w0 | primary [0,100]; fib [10,30] holding fib [12,18] and idle [20,25]; leaf [40,50]; idle [55,65] |
//! | n0 w1 | leaf [5,25]; idle [30,60]; fib [68,90] |
//! | n1 w0 | fib [20,45]; leaf [55,65]; idle [70,95] |
//! | n1 w1 | fib [10,40] holding leaf [15,20] and idle [25,35]; bcast [70,75] (not visible); idle [80,100] |
//!
//! Visible tasks: node 0 has 5, node 1 has 4. Busy: n0 w0 30%, n0 w1 42%, n1 w0 35%, n1 w1
//! 35%. Nobody runs a task in [50,55] and [65,68]. Node 0 sends 2 messages (80 bytes) and
//! receives 1 (8 bytes); node 1 sends 1 (8 bytes) and receives 1 (64 bytes). Steals: node 0
//! requests 2, serves 1, refuses 0, gets 1, misses 1; node 1 requests 1, serves 1, refuses 1,
//! gets 1, misses 0.

/// The synthetic trace's events, one JSON object a line.
const EVENTS: &[&str] = &[
    r#"{"ph":"M","name":"process_name","pid":0,"tid":0,"args":{"name":"node 0"}}"#,
    r#"{"ph":"M","name":"process_sort_index","pid":0,"tid":0,"args":{"sort_index":0}}"#,
    r#"{"ph":"M","name":"process_name","pid":1,"tid":0,"args":{"name":"node 1"}}"#,
    r#"{"ph":"M","name":"process_sort_index","pid":1,"tid":0,"args":{"sort_index":1}}"#,
    r#"{"ph":"M","name":"thread_name","pid":0,"tid":0,"args":{"name":"worker 0"}}"#,
    r#"{"ph":"M","name":"thread_name","pid":0,"tid":1,"args":{"name":"worker 1"}}"#,
    r#"{"ph":"M","name":"thread_name","pid":0,"tid":1000,"args":{"name":"communication"}}"#,
    r#"{"ph":"M","name":"thread_name","pid":1,"tid":0,"args":{"name":"worker 0"}}"#,
    r#"{"ph":"M","name":"thread_name","pid":1,"tid":1,"args":{"name":"worker 1"}}"#,
    r#"{"ph":"M","name":"thread_name","pid":1,"tid":1000,"args":{"name":"communication"}}"#,
    r#"{"ph":"M","name":"thread_sort_index","pid":0,"tid":0,"args":{"sort_index":0}}"#,
    r#"{"ph":"M","name":"thread_sort_index","pid":0,"tid":1,"args":{"sort_index":1}}"#,
    r#"{"ph":"M","name":"thread_sort_index","pid":1,"tid":1000,"args":{"sort_index":1000}}"#,
    // Node 0, worker 0 (events not sorted, as in a real file).
    r#"{"ph":"X","cat":"task","name":"fib","pid":0,"tid":0,"ts":12,"dur":6,"args":{"level":2,"bytes":8,"home":0,"visible":true}}"#,
    r#"{"ph":"X","cat":"primary","name":"primary task","pid":0,"tid":0,"ts":0,"dur":100}"#,
    r#"{"ph":"X","cat":"task","name":"fib","pid":0,"tid":0,"ts":10,"dur":20,"args":{"level":1,"bytes":8,"home":0,"visible":true}}"#,
    r#"{"ph":"X","cat":"idle","name":"idle","pid":0,"tid":0,"ts":20,"dur":5}"#,
    r#"{"ph":"X","cat":"task","name":"leaf","pid":0,"tid":0,"ts":40,"dur":10,"args":{"level":1,"bytes":0,"home":0,"visible":true}}"#,
    r#"{"ph":"X","cat":"idle","name":"idle","pid":0,"tid":0,"ts":55,"dur":10}"#,
    r#"{"ph":"s","cat":"flow","name":"task","id":"0x1","pid":0,"tid":0,"ts":11}"#,
    r#"{"ph":"f","bp":"e","cat":"flow","name":"task","id":"0x3","pid":0,"tid":0,"ts":40.001}"#,
    // Node 0, worker 1.
    r#"{"ph":"X","cat":"task","name":"leaf","pid":0,"tid":1,"ts":5,"dur":20,"args":{"level":1,"bytes":0,"home":0,"visible":true}}"#,
    r#"{"ph":"X","cat":"idle","name":"idle","pid":0,"tid":1,"ts":30,"dur":30}"#,
    r#"{"ph":"X","cat":"task","name":"fib","pid":0,"tid":1,"ts":68,"dur":22,"args":{"level":1,"bytes":8,"home":1,"visible":true}}"#,
    r#"{"ph":"s","cat":"flow","name":"task","id":"0x3","pid":0,"tid":1,"ts":6}"#,
    // Node 0, communication.
    r#"{"ph":"X","cat":"msg","name":"send TASK","pid":0,"tid":1000,"ts":11,"dur":1,"args":{"to":1,"bytes":64}}"#,
    r#"{"ph":"X","cat":"steal","name":"steal request","pid":0,"tid":1000,"ts":29,"dur":1,"args":{"victim":1}}"#,
    r#"{"ph":"X","cat":"steal","name":"stolen task","pid":0,"tid":1000,"ts":31,"dur":1,"args":{"victim":1}}"#,
    r#"{"ph":"X","cat":"steal","name":"steal served","pid":0,"tid":1000,"ts":52,"dur":1,"args":{"thief":1}}"#,
    r#"{"ph":"s","cat":"flow","name":"task","id":"0x2","pid":0,"tid":1000,"ts":52.5}"#,
    r#"{"ph":"X","cat":"msg","name":"send DONE","pid":0,"tid":1000,"ts":70,"dur":1,"args":{"to":1,"bytes":16}}"#,
    r#"{"ph":"X","cat":"msg","name":"recv DONE","pid":0,"tid":1000,"ts":80,"dur":1,"args":{"from":1,"bytes":8}}"#,
    r#"{"ph":"X","cat":"steal","name":"steal request","pid":0,"tid":1000,"ts":91,"dur":1,"args":{"victim":1}}"#,
    r#"{"ph":"X","cat":"steal","name":"steal missed","pid":0,"tid":1000,"ts":93,"dur":1,"args":{"victim":1}}"#,
    // Node 1, worker 0.
    r#"{"ph":"X","cat":"task","name":"fib","pid":1,"tid":0,"ts":20,"dur":25,"args":{"level":1,"bytes":8,"home":0,"visible":true}}"#,
    r#"{"ph":"f","bp":"e","cat":"flow","name":"task","id":"0x1","pid":1,"tid":0,"ts":20.001}"#,
    r#"{"ph":"X","cat":"task","name":"leaf","pid":1,"tid":0,"ts":55,"dur":10,"args":{"level":1,"bytes":0,"home":0,"visible":true}}"#,
    r#"{"ph":"f","bp":"e","cat":"flow","name":"task","id":"0x2","pid":1,"tid":0,"ts":55.001}"#,
    r#"{"ph":"X","cat":"idle","name":"idle","pid":1,"tid":0,"ts":70,"dur":25}"#,
    // Node 1, worker 1.
    r#"{"ph":"X","cat":"task","name":"fib","pid":1,"tid":1,"ts":10,"dur":30,"args":{"level":0,"bytes":8,"home":1,"visible":true}}"#,
    r#"{"ph":"X","cat":"task","name":"leaf","pid":1,"tid":1,"ts":15,"dur":5,"args":{"level":1,"bytes":0,"home":1,"visible":true}}"#,
    r#"{"ph":"X","cat":"idle","name":"idle","pid":1,"tid":1,"ts":25,"dur":10}"#,
    r#"{"ph":"X","cat":"task","name":"bcast","pid":1,"tid":1,"ts":70,"dur":5,"args":{"level":0,"bytes":4,"home":0,"visible":false}}"#,
    r#"{"ph":"X","cat":"idle","name":"idle","pid":1,"tid":1,"ts":80,"dur":20}"#,
    // Node 1, communication.
    r#"{"ph":"X","cat":"msg","name":"recv TASK","pid":1,"tid":1000,"ts":13,"dur":1,"args":{"from":0,"bytes":64}}"#,
    r#"{"ph":"X","cat":"steal","name":"steal served","pid":1,"tid":1000,"ts":30,"dur":1,"args":{"thief":0}}"#,
    r#"{"ph":"t","cat":"flow","name":"task","id":"0x3","pid":1,"tid":1000,"ts":30.5}"#,
    r#"{"ph":"X","cat":"steal","name":"steal request","pid":1,"tid":1000,"ts":51,"dur":1,"args":{"victim":0}}"#,
    r#"{"ph":"X","cat":"steal","name":"stolen task","pid":1,"tid":1000,"ts":53,"dur":1,"args":{"victim":0}}"#,
    r#"{"ph":"X","cat":"msg","name":"send DONE","pid":1,"tid":1000,"ts":78,"dur":1,"args":{"to":0,"bytes":8}}"#,
    r#"{"ph":"X","cat":"steal","name":"steal refused","pid":1,"tid":1000,"ts":92,"dur":1,"args":{"thief":0}}"#,
];

/// The synthetic trace file.
pub fn synthetic() -> String {
    synthetic_with(&[], &[])
}

/// The synthetic trace with the `extra` events added and the lines containing any of `drop`
/// left out.
pub fn synthetic_with(extra: &[&str], drop: &[&str]) -> String {
    let events: Vec<&str> = EVENTS
        .iter()
        .copied()
        .filter(|line| !drop.iter().any(|d| line.contains(d)))
        .chain(extra.iter().copied())
        .collect();
    format!(
        "{{\"displayTimeUnit\":\"ms\",\n\"otherData\":{{\"producer\":\"torc 0.1.0\",\"nodes\":2,\
         \"workers\":[2,2],\"dropped_events\":[0,0],\"events_cap_per_node\":1000000,\
         \"clock\":\"CLOCK_MONOTONIC of each node, aligned to node 0 at start-up\"}},\n\
         \"traceEvents\":[\n{}\n]}}\n",
        events.join(",\n")
    )
}
