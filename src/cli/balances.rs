//! `vigil balances`: free, locked and total per asset as the data dir last
//! stored them, and a value in the quote asset (`[paper] quote_asset`) where
//! a price is known offline. Read-only: the state is read from a private
//! copy, and no exchange or feed is reached, so the only price is the last
//! fill vigil booked in `<ASSET><QUOTE>`; each row says which fill priced it,
//! and an asset without one has no value rather than a guess.

use std::process::ExitCode;

use rust_decimal::Decimal;
use serde_json::json;

use super::Context;
use super::stored::{self, utc};
use super::table::{Column, Table};
use crate::domain::{Balance, Fill, Symbol};

/// Options of `vigil balances`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// One JSON object: the quote asset, and per asset free, locked, total, value and the fill that priced it
    #[arg(long)]
    pub json: bool,
}

/// One asset's row: the balance and, when a price is known, its value.
struct Row<'a> {
    asset: &'a str,
    balance: &'a Balance,
    /// The value in the quote asset and the fill that priced it (`None`: the quote asset itself).
    value: Option<(Decimal, Option<&'a Fill>)>,
}

/// Runs `vigil balances`.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let quote = super::config::load(ctx)?.paper.quote_asset;
    let Some(copy) = stored::open_copy(ctx)? else {
        println!("no balances yet ({} holds no state)", ctx.state_dir().display());
        return Ok(ExitCode::SUCCESS);
    };
    let store = copy.store();
    let balances = store.balances()?;
    let fills = stored::last_fills(&store)?;
    let rows: Vec<Row<'_>> =
        balances.iter().map(|(asset, balance)| row(asset, balance, &quote, &fills)).collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&to_json(&rows, &quote))?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!("no balances stored yet in {}", ctx.state_dir().display());
        return Ok(ExitCode::SUCCESS);
    }
    super::table::print(&table(&rows, &quote).render())?;
    println!(
        "VALUE is in {quote}, at the last price vigil filled at in this data dir (no market data is \
         read); an asset never filled against {quote} has none"
    );
    Ok(ExitCode::SUCCESS)
}

fn row<'a>(
    asset: &'a str,
    balance: &'a Balance,
    quote: &str,
    fills: &'a std::collections::BTreeMap<Symbol, Fill>,
) -> Row<'a> {
    let value = if asset == quote {
        Some((balance.total(), None))
    } else {
        Symbol::new(&format!("{asset}{quote}"))
            .ok()
            .and_then(|symbol| fills.get(&symbol))
            .and_then(|fill| Some((balance.total().checked_mul(fill.price)?, Some(fill))))
    };
    Row { asset, balance, value }
}

/// Where a value came from, in words.
fn source(value: &Option<(Decimal, Option<&Fill>)>, quote: &str) -> String {
    match value {
        Some((_, None)) => "quote asset".to_owned(),
        Some((_, Some(fill))) => {
            format!("last fill {} @{} ({} UTC)", fill.symbol, fill.price, utc(fill.ts_ms))
        }
        None => format!("no price: never filled against {quote}"),
    }
}

fn table(rows: &[Row<'_>], quote: &str) -> Table<6> {
    let mut table = Table::new([
        Column::left("ASSET"),
        Column::number("FREE"),
        Column::number("LOCKED"),
        Column::number("TOTAL"),
        Column::number("VALUE"),
        Column::left("PRICED BY"),
    ]);
    for r in rows {
        table.push([
            r.asset.to_owned(),
            r.balance.free.to_string(),
            r.balance.locked.to_string(),
            r.balance.total().to_string(),
            r.value.map_or_else(|| "-".to_owned(), |(v, _)| v.to_string()),
            source(&r.value, quote),
        ]);
    }
    table
}

fn to_json(rows: &[Row<'_>], quote: &str) -> serde_json::Value {
    let rows = rows.iter().map(|r| {
        let priced_by = r
            .value
            .and_then(|(_, fill)| fill)
            .map(|f| json!({ "symbol": f.symbol, "price": f.price, "order": f.order_id, "ts_ms": f.ts_ms }));
        json!({
            "asset": r.asset,
            "free": r.balance.free,
            "locked": r.balance.locked,
            "total": r.balance.total(),
            "value": r.value.map(|(v, _)| v),
            "priced_by": priced_by,
        })
    });
    json!({ "quote_asset": quote, "balances": rows.collect::<Vec<_>>() })
}
