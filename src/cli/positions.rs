//! `vigil positions`: each symbol's position as the data dir last stored it:
//! quantity held, average cost and realized PnL, plus the last fill price
//! and the unrealized PnL at it (the only price known offline). Read-only,
//! from a private copy of the state.
//!
//! The numbers are the engine's own (`exec/portfolio.rs`): the average cost
//! includes the buy fees paid in the quote asset, and the realized PnL is net
//! of fees; both are in the symbol's quote asset. A flat position is listed
//! while it carries realized PnL.

use std::process::ExitCode;

use serde_json::json;

use super::Context;
use super::stored::{self, utc};
use super::table::{Column, Table};
use crate::domain::{Fill, Position};

/// Options of `vigil positions`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// One JSON object: per symbol qty, avg_cost (fees included), realized_pnl (net of fees), last fill, unrealized_pnl
    #[arg(long)]
    pub json: bool,
}

/// Runs `vigil positions`.
pub fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let Some(copy) = stored::open_copy(ctx)? else {
        println!("no positions yet ({} holds no state)", ctx.state_dir().display());
        return Ok(ExitCode::SUCCESS);
    };
    let store = copy.store();
    let positions = store.positions()?;
    let fills = stored::last_fills(&store)?;
    let rows: Vec<(&Position, Option<&Fill>)> =
        positions.values().map(|p| (p, fills.get(&p.symbol))).collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&to_json(&rows))?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!("no positions stored yet in {}", ctx.state_dir().display());
        return Ok(ExitCode::SUCCESS);
    }
    super::table::print(&table(&rows).render())?;
    println!(
        "AVG COST includes the buy fees; REALIZED is net of fees; UNREALIZED is at LAST FILL, the last \
         price vigil filled at in this data dir (no market data is read); all in the symbol's quote asset"
    );
    Ok(ExitCode::SUCCESS)
}

fn table(rows: &[(&Position, Option<&Fill>)]) -> Table<7> {
    let mut table = Table::new([
        Column::left("SYMBOL"),
        Column::number("QTY"),
        Column::number("AVG COST"),
        Column::number("REALIZED"),
        Column::number("LAST FILL"),
        Column::number("UNREALIZED"),
        Column::left("FILLED AT (UTC)"),
    ]);
    let dash = || "-".to_owned();
    for (p, fill) in rows {
        let unrealized = fill.and_then(|f| p.unrealized_pnl(f.price));
        table.push([
            p.symbol.to_string(),
            p.qty.to_string(),
            p.avg_cost.to_string(),
            p.realized_pnl.to_string(),
            fill.map_or_else(dash, |f| f.price.to_string()),
            unrealized.map_or_else(dash, |u| u.to_string()),
            fill.map_or_else(dash, |f| utc(f.ts_ms)),
        ]);
    }
    table
}

fn to_json(rows: &[(&Position, Option<&Fill>)]) -> serde_json::Value {
    let rows = rows.iter().map(|(p, fill)| {
        json!({
            "symbol": p.symbol,
            "qty": p.qty,
            "avg_cost": p.avg_cost,
            "realized_pnl": p.realized_pnl,
            "last_fill": fill.map(|f| json!({ "price": f.price, "order": f.order_id, "ts_ms": f.ts_ms })),
            "unrealized_pnl": fill.and_then(|f| p.unrealized_pnl(f.price)),
        })
    });
    json!({ "avg_cost_includes_fees": true, "realized_pnl_net_of_fees": true, "positions": rows.collect::<Vec<_>>() })
}
