//! The canary (architecture.md §7.2): `--canary N` sends the first N rows still to send,
//! follows them until they are final (within `--wait`), and sends the rest only if every one
//! of them ended SUCCESS. A sheet with a wrong column, a wrong account setting or a bank
//! that refuses the transfers then costs N rows, not all of them. Otherwise the rest stay
//! NOT_SENT with code `CANARY`, and a rerun (after a look at the canary rows) sends them.

use crate::Error;
use crate::report::Status;
use crate::submit::{Engine, Item};

/// The code of a row held back by a canary that did not pass.
pub const CODE: &str = "CANARY";

/// Runs the engine over `items`, the first `n` rows still to send first. The summary's line
/// about the canary, when there was one.
pub async fn run(
    engine: &Engine<'_>,
    items: &mut [Item],
    n: usize,
) -> Result<Option<String>, Error> {
    let to_send: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.state().is_to_send())
        .map(|(k, _)| k)
        .collect();
    if n == 0 || to_send.len() <= n {
        // No canary, or the canary is the whole sheet.
        engine.run(items).await?;
        return Ok(None);
    }
    let split = to_send[n - 1] + 1;
    let (first, rest) = items.split_at_mut(split);
    engine.run(first).await?;
    let window = engine.options.visibility_window;
    let outcomes: Vec<String> = to_send[..n]
        .iter()
        .map(|&k| {
            let item = &first[k];
            let o = item.outcome(window);
            let detail = o.all_messages().join("; ");
            format!(
                "'{}' {}{}",
                item.key.reference,
                o.status,
                if o.status == Status::Success || detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({detail})")
                }
            )
        })
        .collect();
    let passed = to_send[..n]
        .iter()
        .all(|&k| first[k].outcome(window).status == Status::Success);
    if passed && engine.stopped().is_none() {
        engine.run(rest).await?;
        return Ok(Some(format!(
            "canary: the first {n} row(s) were paid ({}); the rest were sent",
            outcomes.join(", ")
        )));
    }
    let why = format!(
        "canary: not all of the first {n} row(s) ended SUCCESS within --wait ({}); the rest were not sent: look at those rows, then submit again",
        outcomes.join(", ")
    );
    for item in rest.iter_mut().filter(|i| i.state().is_to_send()) {
        item.hold_with(CODE, &why);
    }
    Ok(Some(why))
}
