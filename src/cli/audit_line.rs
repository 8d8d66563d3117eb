//! One readable sentence per audit entry, for `vigil audit show`: what was
//! asked and what was decided, with the failing check ids of a refusal in
//! view. The stored body stays the record (`audit show --json` prints it);
//! this only reads it, field by field, and falls back to the body's compact
//! JSON for a shape it does not know (an entry written by a later version),
//! so nothing is ever hidden or cut.
//!
//! The shapes are the ones the engine writes: `engine/orders.rs` (intent,
//! confirmed, rejected, submitted, cancel, fill), `engine/controls.rs` and
//! `engine/modes.rs` (mode_change, kill_switch, breaker), `engine/boot.rs`
//! and `engine/live.rs` (note), `cli/session.rs` (unlock_attempt) and
//! `cli/audit.rs` (the re-anchor note).

use serde_json::{Map, Value};

use crate::store::{AuditEntry, AuditKind};

/// The entry's body as one line.
pub fn describe(entry: &AuditEntry) -> String {
    let body = &entry.body;
    let known = match entry.kind {
        AuditKind::Intent => intent(body),
        AuditKind::Gate => body.get("checks").map(|c| format!("→ {}", verdict(c))),
        AuditKind::Confirmed => order(body).map(|id| format!("{id} confirmed")),
        AuditKind::Rejected => rejected(body),
        AuditKind::Submitted => submitted(body),
        AuditKind::Fill => fill(body),
        AuditKind::Cancel => cancel(body),
        AuditKind::ModeChange | AuditKind::Breaker => mode_change(body),
        AuditKind::KillSwitch => kill_switch(body),
        AuditKind::UnlockAttempt => unlock(body),
        AuditKind::Note => note(body),
    };
    known.unwrap_or_else(|| body.to_string())
}

/// A JSON scalar as text: strings bare, numbers and booleans as written.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn field(body: &Value, key: &str) -> Option<String> {
    body.get(key).and_then(text)
}

/// `#12` for the body's `order`.
fn order(body: &Value) -> Option<String> {
    field(body, "order").map(|id| format!("#{id}"))
}

/// `buy limit 0.001 BTCUSDT @1 → refused: min_notional, price_band`.
fn intent(body: &Value) -> Option<String> {
    let intent = body.get("intent")?;
    let mut words = vec![field(intent, "side")?, field(intent, "order_type")?];
    match intent.get("quote_qty").and_then(text) {
        Some(quote) => words.push(format!("{quote} (quote) of {}", field(intent, "symbol")?)),
        None => words.push(format!("{} {}", field(intent, "qty")?, field(intent, "symbol")?)),
    }
    if let Some(price) = field(intent, "price") {
        words.push(format!("@{price}"));
    }
    if let Some(stop) = intent.get("stop").filter(|s| !s.is_null()) {
        let kind = field(stop, "kind").unwrap_or_default().replace('_', "-");
        words.push(format!("{kind} trigger {}", field(stop, "price")?));
    }
    if let Some(tif) = field(intent, "tif").filter(|t| t != "gtc") {
        words.push(tif.to_uppercase());
    }
    if intent.get("post_only").and_then(Value::as_bool) == Some(true) {
        words.push("post-only".to_owned());
    }
    if let Some(original) = field(body, "amend") {
        words.push(format!("(amends #{original})"));
    }
    if let Some(checks) = body.get("checks") {
        words.push(format!("→ {}", verdict(checks)));
    }
    Some(words.join(" "))
}

/// `refused: a, b` when a check failed; else `passed`, naming warnings.
fn verdict(checks: &Value) -> String {
    let ids = |wanted: &str| -> Vec<String> {
        checks
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c.get("verdict").and_then(Value::as_str) == Some(wanted))
            .filter_map(|c| field(c, "id"))
            .collect()
    };
    let (failed, warned) = (ids("fail"), ids("warn"));
    if !failed.is_empty() {
        return format!("refused: {}", failed.join(", "));
    }
    if warned.is_empty() { "passed".to_owned() } else { format!("passed, warn: {}", warned.join(", ")) }
}

/// `#3 rejected: <reason>`, with the failing checks when the gate said no at confirmation.
fn rejected(body: &Value) -> Option<String> {
    let mut line = format!("{} rejected: {}", order(body)?, field(body, "reason")?);
    if let Some(checks) = body.get("checks") {
        line.push_str(&format!(" → {}", verdict(checks)));
    }
    Some(line)
}

fn submitted(body: &Value) -> Option<String> {
    let mut line = format!("{} sent to {}", order(body)?, field(body, "venue")?);
    if let Some(client_id) = field(body, "client_id") {
        line.push_str(&format!(" as {client_id}"));
    }
    Some(line)
}

/// `#1 buy 0.00992 BTCUSDT @64000.02, fee 0.63 USDT (taker)`, and the realized PnL of a sell.
fn fill(body: &Value) -> Option<String> {
    let f = body.get("fill")?;
    let mut line = format!(
        "#{} filled: {} {} {} @{}, fee {} {}",
        field(f, "order_id")?,
        field(f, "side")?,
        field(f, "qty")?,
        field(f, "symbol")?,
        field(f, "price")?,
        field(f, "fee")?,
        field(f, "fee_asset")?,
    );
    if let Some(liquidity) = field(f, "liquidity") {
        line.push_str(&format!(" ({liquidity})"));
    }
    if let Some(trade) = field(f, "trade_id") {
        line.push_str(&format!(", trade {trade}"));
    }
    if let Some(pnl) =
        field(body, "realized_pnl").filter(|p| p.parse::<rust_decimal::Decimal>().is_ok_and(|d| !d.is_zero()))
    {
        line.push_str(&format!(", realized {pnl}"));
    }
    Some(line)
}

/// `#4 cancel asked: <why>`, or the exchange's closing word (`status`).
fn cancel(body: &Value) -> Option<String> {
    let id = order(body)?;
    let why = field(body, "why")?;
    Some(match field(body, "status") {
        Some(status) => format!("{id} {status} at the exchange: {why}"),
        None => format!("{id} cancel: {why}"),
    })
}

/// `confirm → autonomous (budget 20 orders, 2000 notional): why`, or a refusal.
fn mode_change(body: &Value) -> Option<String> {
    let to = field(body, "to")?;
    if let Some(result) = field(body, "result") {
        return Some(format!("→ {to} {result}"));
    }
    let mut line = format!("{} → {to}", field(body, "from")?);
    if let (Some(orders), Some(notional)) = (field(body, "max_orders"), field(body, "max_notional")) {
        line.push_str(&format!(" (budget {orders} orders, {notional} notional)"));
    }
    if let Some(why) = field(body, "why") {
        line.push_str(&format!(": {why}"));
    }
    Some(line)
}

fn kill_switch(body: &Value) -> Option<String> {
    let engaged = body.get("engaged")?.as_bool()?;
    let what = if engaged { "engaged" } else { "released" };
    let mut line = format!("{what}: {} → {}", field(body, "from")?, field(body, "to")?);
    if let Some(why) = field(body, "why") {
        line.push_str(&format!(": {why}"));
    }
    Some(line)
}

/// The sentence says how many attempts failed before; a failure says so.
fn unlock(body: &Value) -> Option<String> {
    let text = field(body, "text")?;
    let ok = body.get("ok").and_then(Value::as_bool)?;
    Some(if ok { text } else { format!("FAILED: {text}") })
}

/// `text (key=value, …)`: the sentence first, then every other field.
fn note(body: &Value) -> Option<String> {
    let map = body.as_object()?;
    let text = field(body, "text")?;
    let rest = others(map, &["text"]);
    Some(if rest.is_empty() { text } else { format!("{text} ({rest})") })
}

/// The fields not named in `skip`, as `key=value` (arrays as `[a, b]`).
fn others(map: &Map<String, Value>, skip: &[&str]) -> String {
    map.iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .map(|(k, v)| format!("{k}={}", value_text(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn value_text(value: &Value) -> String {
    match value {
        Value::Array(items) => format!("[{}]", items.iter().map(value_text).collect::<Vec<_>>().join(", ")),
        Value::Null => "none".to_owned(),
        other => text(other).unwrap_or_else(|| other.to_string()),
    }
}
