//! `vigil order place|list|cancel|amend`: one-shot orders through the very
//! same engine and gate as the workstation. `place` and `amend` print every
//! check, then ask a confirmation on stdin (`[y/N]`, saying LIVE on the live
//! venue); only `y` sends.
//!
//! Exit codes of `place` and `amend`: 0 placed, 1 refused by a failing check
//! (or an error), 2 declined by the person, 64 a usage error (bad arguments).

use std::io::{self, BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use rust_decimal::Decimal;

use futures_util::future::BoxFuture;

use super::prompt::UnlockArgs;
use super::session::{FeedArgs, Session, SessionOptions, VenueArgs};
use super::table::{Column, Table};
use super::trading::{VaultSession, load_config, runtime};
use super::{Context, usage};
use crate::domain::{
    OrderId, OrderIntent, OrderStatus, OrderType, Origin, Side, StopKind, StopTrigger, Symbol, TimeInForce,
    Venue,
};
use crate::engine::{
    CheckLine, CheckVerdict, Command as EngineCommand, CommandError, EngineHandle, OnShutdown, SubmitOutcome,
};

/// Exit code when a check refused the order.
const REFUSED: u8 = 1;
/// Exit code when the person declined.
const DECLINED: u8 = 2;

/// Subcommands of `vigil order`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Place one order: every check is shown, then a `[y/N]` confirmation is asked on stdin
    Place(PlaceArgs),
    /// List orders (newest first) as a table, from the running engine or the state store; read-only
    List {
        /// Show only open orders
        #[arg(long)]
        open: bool,
    },
    /// Amend an open limit order (cancel-replace): every check is shown, then a `[y/N]` confirmation
    Amend {
        id: u64,
        /// The new limit price
        #[arg(long, value_parser = super::number::exact_decimal)]
        price: Option<Decimal>,
        /// The replacement's whole quantity (default: what is left of the original)
        #[arg(long, value_parser = super::number::exact_decimal)]
        qty: Option<Decimal>,
        #[command(flatten)]
        venue: VenueArgs,
        #[command(flatten)]
        feed: FeedArgs,
        #[command(flatten)]
        unlock: UnlockArgs,
    },
    /// Cancel an open (or pending) order by id
    Cancel {
        id: u64,
        #[command(flatten)]
        venue: VenueArgs,
        #[command(flatten)]
        feed: FeedArgs,
        #[command(flatten)]
        unlock: UnlockArgs,
    },
}

/// Options of `vigil order place`.
#[derive(Debug, clap::Args)]
pub struct PlaceArgs {
    #[command(flatten)]
    pub venue: VenueArgs,
    #[arg(long)]
    pub symbol: Symbol,
    #[arg(long, value_enum)]
    pub side: SideArg,
    #[arg(long = "type", value_enum)]
    pub order_type: TypeArg,
    /// Base quantity (for market orders, or --quote-qty instead)
    #[arg(
        long,
        required_unless_present = "quote_qty",
        conflicts_with = "quote_qty",
        value_parser = super::number::exact_decimal
    )]
    pub qty: Option<Decimal>,
    /// Market orders: spend (buy) or receive (sell) this much of the quote asset
    #[arg(long, value_name = "AMOUNT", value_parser = super::number::exact_decimal)]
    pub quote_qty: Option<Decimal>,
    /// Limit price (required for --type limit, stop-limit and take-profit-limit; refused with market)
    #[arg(long, value_parser = super::number::exact_decimal)]
    pub price: Option<Decimal>,
    /// Trigger price of a stop-limit or take-profit-limit order
    #[arg(long, value_name = "PRICE", value_parser = super::number::exact_decimal)]
    pub stop: Option<Decimal>,
    /// Limit orders: gtc rests, ioc cancels what does not fill at once, fok fills whole or not at all
    #[arg(long, value_enum, default_value = "gtc")]
    pub tif: TimeInForce,
    /// Limit orders: only rest on the book, never take (refused if the price would cross)
    #[arg(long)]
    pub post_only: bool,
    #[command(flatten)]
    pub feed: FeedArgs,
    #[command(flatten)]
    pub unlock: UnlockArgs,
}

/// `--side`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SideArg {
    Buy,
    Sell,
}

/// `--type`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TypeArg {
    Limit,
    Market,
    /// Binance STOP_LOSS_LIMIT: a limit order that works once the last trade reaches --stop
    /// against it (a sell at or below, a buy at or above)
    StopLimit,
    /// Binance TAKE_PROFIT_LIMIT: a limit order that works once the last trade reaches --stop
    /// in its favour (a sell at or above, a buy at or below)
    TakeProfitLimit,
}

/// Runs `vigil order …`.
pub fn run(cmd: Command, ctx: &Context) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Place(args) => place(args, ctx),
        Command::List { open } => list(ctx, open),
        Command::Cancel { id, venue, feed, unlock } => cancel(ctx, OrderId(id), &venue, &feed, &unlock),
        Command::Amend { id, price, qty, venue, feed, unlock } => {
            amend(ctx, OrderId(id), (price, qty), &venue, &feed, &unlock)
        }
    }
}

fn place(args: PlaceArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let (side, order_type) = (
        match args.side {
            SideArg::Buy => Side::Buy,
            SideArg::Sell => Side::Sell,
        },
        match args.order_type {
            TypeArg::Market => OrderType::Market,
            TypeArg::Limit | TypeArg::StopLimit | TypeArg::TakeProfitLimit => OrderType::Limit,
        },
    );
    let stop = match (args.order_type, args.stop) {
        (TypeArg::StopLimit, Some(price)) => Some(StopTrigger { kind: StopKind::StopLoss, price }),
        (TypeArg::TakeProfitLimit, Some(price)) => Some(StopTrigger { kind: StopKind::TakeProfit, price }),
        (TypeArg::StopLimit | TypeArg::TakeProfitLimit, None) => {
            return Err(usage("a stop-limit or take-profit-limit order needs --stop (its trigger price)"));
        }
        (TypeArg::Limit | TypeArg::Market, Some(_)) => {
            return Err(usage("--stop is for --type stop-limit or take-profit-limit"));
        }
        (TypeArg::Limit | TypeArg::Market, None) => None,
    };
    if stop.is_some() && args.post_only {
        return Err(usage("a stop-limit order cannot be post-only"));
    }
    if order_type == OrderType::Limit && args.price.is_none() {
        return Err(usage("a limit order (also stop-limit and take-profit-limit) needs --price"));
    }
    if order_type == OrderType::Market && args.price.is_some() {
        return Err(usage(
            "--price is for limit orders: a market order fills at what the book offers (use --type limit)",
        ));
    }
    if order_type == OrderType::Limit && args.quote_qty.is_some() {
        return Err(usage("--quote-qty is for market orders; a limit order needs --qty"));
    }
    if order_type == OrderType::Market && (args.post_only || args.tif != TimeInForce::Gtc) {
        return Err(usage(
            "--tif and --post-only are for limit orders; a market order fills what the book offers now",
        ));
    }
    if args.post_only && args.tif != TimeInForce::Gtc {
        return Err(usage("a post-only order rests until cancelled: it cannot also be --tif ioc or fok"));
    }
    let intent = OrderIntent {
        symbol: args.symbol.clone(),
        side,
        order_type,
        // By quote amount: the engine sizes it from the book.
        qty: args.qty.unwrap_or_default(),
        price: args.price,
        origin: Origin::Manual,
        tif: args.tif,
        post_only: args.post_only,
        quote_qty: args.quote_qty,
        stop,
    };
    let mut feed = args.feed.clone();
    if feed.symbols.is_empty() {
        feed.symbols = vec![args.symbol.clone()];
    }
    in_session(ctx, &args.venue, &feed, &args.unlock, |handle| Box::pin(place_in(handle, intent)))
}

/// Runs `work` on the engine running on this data dir, or else on a one-shot engine session
/// (no strategies): the vault unlocked if there is one, the log opened only once the session
/// has started (a refused start writes nothing), and the session stopped cleanly whatever
/// `work` answers.
fn in_session(
    ctx: &Context,
    venue: &VenueArgs,
    feed: &FeedArgs,
    unlock: &UnlockArgs,
    work: impl for<'h> FnOnce(&'h EngineHandle) -> BoxFuture<'h, anyhow::Result<ExitCode>>,
) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    // An engine already runs here: it places the order (sled lets one process open the store).
    if let Some(remote) =
        rt.block_on(super::remote::for_trading(ctx, "vigil order", venue, unlock.totp.as_deref()))?
    {
        return rt.block_on(async {
            let code = work(&remote.handle).await;
            remote.detach().await;
            code
        });
    }
    let config = one_shot(load_config(ctx)?);
    let vault = VaultSession::unlock_if_present(ctx, unlock)?;
    rt.block_on(async {
        let options = SessionOptions {
            venue: venue.venue,
            live: vault.live_credentials(venue)?,
            feed,
            strategies: &[],
            vault_audit_key: vault.audit_key(),
            unlock: vault.unlock_record(),
            totp: vault.totp_check(),
        };
        let session = Session::start(ctx, &config, options).await?;
        let _log = super::logging::to_file(ctx.data_dir())?;
        let code = work(&session.handle).await;
        session.shutdown().await;
        code
    })
}

/// A one-shot command's engine stops as soon as the command is done, so
/// `[engine] on_shutdown = "cancel"` would cancel the order it just placed:
/// it leaves open orders for the next session, whatever the config says
/// (which is meant for long-running sessions: `tui`, `run`, `demo`).
fn one_shot(mut config: crate::config::Config) -> crate::config::Config {
    config.engine.on_shutdown = OnShutdown::Leave;
    config
}

async fn place_in(handle: &EngineHandle, intent: OrderIntent) -> anyhow::Result<ExitCode> {
    wait_for_market(handle, &intent.symbol).await?;
    if handle.snapshot().venue == Some(Venue::Live) {
        wait_for_reconciliation(handle).await?;
        println!("LIVE: this order goes to the exchange with real money ({})", handle.snapshot().venue_label);
    }
    let outcome =
        handle.request(|reply| EngineCommand::Submit { intent: intent.clone(), hold: true, reply }).await?;
    decide(handle, outcome).await
}

/// Shows the checks of a submitted (or amended) order and, when it waits for
/// a person, asks on stdin and confirms or rejects it.
async fn decide(handle: &EngineHandle, outcome: SubmitOutcome) -> anyhow::Result<ExitCode> {
    let (id, checks) = match outcome {
        SubmitOutcome::Refused { checks } => {
            print_checks(&checks);
            println!("refused: a check failed; nothing was sent");
            return Ok(ExitCode::from(REFUSED));
        }
        SubmitOutcome::Sent { id, checks } => {
            print_checks(&checks);
            return report_sent(handle, id).await;
        }
        SubmitOutcome::Pending { id, checks } => (id, checks),
    };
    print_checks(&checks);
    let ttl_secs = handle
        .snapshot()
        .pending
        .iter()
        .find(|p| p.order.id == id)
        .map(|p| (p.expires_ms.saturating_sub(handle.snapshot().now_ms) / 1_000).max(0));
    let live = handle.snapshot().venue == Some(Venue::Live);
    if !ask_confirm(ttl_secs, live)? {
        match handle.request(|reply| EngineCommand::Reject { id, reply }).await {
            Ok(()) | Err(CommandError::Expired { .. }) => {}
            Err(err) => return Err(err.into()),
        }
        println!("declined: nothing was sent");
        return Ok(ExitCode::from(DECLINED));
    }
    match handle.request(|reply| EngineCommand::Confirm { id, reply }).await {
        Ok(SubmitOutcome::Sent { id, .. }) => report_sent(handle, id).await,
        Ok(SubmitOutcome::Refused { checks } | SubmitOutcome::Pending { checks, .. }) => {
            print_checks(&checks);
            println!("refused at confirmation: the market or balances moved; nothing was sent");
            Ok(ExitCode::from(REFUSED))
        }
        Err(err @ CommandError::Expired { .. }) => {
            println!("refused: {err}");
            Ok(ExitCode::from(REFUSED))
        }
        Err(err) => Err(err.into()),
    }
}

/// Order `id` once `done` says so (or after 15 s, as it stands then).
async fn order_when(
    handle: &EngineHandle,
    id: OrderId,
    done: impl Fn(&crate::domain::Order) -> bool,
) -> Option<crate::domain::Order> {
    let mut rx = handle.watch();
    let find = |snapshot: &crate::engine::Snapshot| snapshot.orders.iter().find(|o| o.id == id).cloned();
    let waited = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            let order = find(&rx.borrow_and_update());
            if order.as_ref().is_none_or(&done) || rx.changed().await.is_err() {
                return order;
            }
        }
    })
    .await;
    waited.unwrap_or_else(|_| find(&handle.snapshot()))
}

/// Waits until the live venue has reconciled with the exchange.
async fn wait_for_reconciliation(handle: &EngineHandle) -> anyhow::Result<()> {
    let mut rx = handle.watch();
    let ready = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let done = rx.borrow_and_update().live.as_ref().is_some_and(|l| !l.reconciling);
            if done || rx.changed().await.is_err() {
                return done;
            }
        }
    })
    .await;
    match ready {
        Ok(true) => Ok(()),
        _ => bail!(
            "the live venue did not reconcile with the exchange within 20 s: is the WebSocket API reachable?"
        ),
    }
}

/// Waits until the symbol's book is synced, so the gate sees real data.
async fn wait_for_market(handle: &EngineHandle, symbol: &Symbol) -> anyhow::Result<()> {
    let mut rx = handle.watch();
    let ready = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            let synced =
                rx.borrow_and_update().markets.iter().any(|m| &m.symbol == symbol && m.book.is_some());
            if synced || rx.changed().await.is_err() {
                return synced;
            }
        }
    })
    .await;
    match ready {
        Ok(true) => Ok(()),
        _ => bail!("no order book for {symbol} within 15 s: is the feed reachable?"),
    }
}

async fn report_sent(handle: &EngineHandle, id: OrderId) -> anyhow::Result<ExitCode> {
    // The engine publishes the snapshot before it answers, so the fills the
    // paper broker made at once are in it. A live order is `submitting`
    // until the exchange answers: wait for that answer.
    // An amend's replacement waits (pending) until the exchange confirms the original's cancel.
    let order = order_when(handle, id, |o| {
        !matches!(o.status, OrderStatus::Submitting | OrderStatus::PendingConfirmation)
    })
    .await;
    let live = handle.snapshot().venue == Some(Venue::Live);
    let venue = if live { "LIVE" } else { "paper" };
    match order {
        Some(order) if order.status == OrderStatus::Rejected => {
            println!("{venue} order #{id} rejected: {}", order.reason.unwrap_or_default());
            return Ok(ExitCode::from(REFUSED));
        }
        Some(order) if order.status == OrderStatus::Unknown || order.status == OrderStatus::Submitting => {
            println!(
                "{venue} order #{id} ({}): the exchange's answer did not arrive; vigil will ask it by \
                 client id {} at the next start and never send it again. Do not place it again by hand.",
                order.status, order.client_id
            );
        }
        Some(order) => {
            let avg = order.avg_fill_price().map(|p| format!(" avg {p}")).unwrap_or_default();
            let at = order.venue_order_id.map(|v| format!(", exchange order {v}")).unwrap_or_default();
            println!(
                "placed {venue} order #{id}: {} (filled {} of {}{avg}{at})",
                order.status, order.filled_qty, order.intent.qty
            );
        }
        None => println!("placed {venue} order #{id}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// One line per check: verdict, id, sentence.
pub fn print_checks(checks: &[CheckLine]) {
    let mut out = io::stdout().lock();
    for check in checks {
        let verdict = match check.verdict {
            CheckVerdict::Pass => "PASS",
            CheckVerdict::Warn => "WARN",
            CheckVerdict::Fail => "FAIL",
            CheckVerdict::Skip => "skip",
        };
        // A closed stdout is the reader's choice; the order flow goes on.
        let _ = writeln!(out, "  {verdict}  {:<22} {}", check.id, check.detail);
    }
}

/// Asks on stdin; `answer_within` (seconds) is how long the engine holds the order.
fn ask_confirm(answer_within: Option<i64>, live: bool) -> anyhow::Result<bool> {
    let mut out = io::stdout().lock();
    if let Some(secs) = answer_within {
        writeln!(out, "(answer within {secs} s: an order left unanswered expires, unsent)")?;
    }
    if live {
        write!(out, "Send this LIVE order to the exchange? [y/N] ")?;
    } else {
        write!(out, "Confirm (paper)? [y/N] ")?;
    }
    out.flush()?;
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line).context("cannot read the confirmation from stdin")?;
    if !io::stdin().is_terminal() {
        writeln!(out)?; // the answer was not echoed by a terminal
    }
    Ok(line.trim().eq_ignore_ascii_case("y") || line.trim().eq_ignore_ascii_case("yes"))
}

fn list(ctx: &Context, open_only: bool) -> anyhow::Result<ExitCode> {
    let running = runtime()?.block_on(async {
        let Some(remote) = super::remote::observe(ctx, "vigil order list").await? else { return Ok(None) };
        let orders = remote.handle.request(|reply| EngineCommand::OrderHistory { reply }).await;
        remote.detach().await;
        anyhow::Ok(Some(orders?))
    })?;
    let mut orders = match running {
        Some(orders) => orders,
        None => {
            let Some(copy) = super::stored::open_copy(ctx)? else {
                println!("no orders yet ({} holds no state)", ctx.state_dir().display());
                return Ok(ExitCode::SUCCESS);
            };
            copy.store().orders()?
        }
    };
    orders.retain(|o| {
        !open_only || o.status.is_open() || o.status == crate::domain::OrderStatus::PendingConfirmation
    });
    orders.sort_by_key(|o| std::cmp::Reverse(o.id));
    super::table::print(&order_table(&orders).render())?;
    Ok(ExitCode::SUCCESS)
}

/// `order list` as a table: quantities and prices exactly as stored, aligned
/// on their decimal points.
fn order_table(orders: &[crate::domain::Order]) -> Table<9> {
    let mut table = Table::new([
        Column::right("ID"),
        Column::left("SYMBOL"),
        Column::left("SIDE"),
        Column::left("TYPE"),
        Column::number("QTY"),
        Column::number("PRICE"),
        Column::number("FILLED"),
        Column::left("STATUS"),
        Column::left("ORIGIN"),
    ]);
    for o in orders {
        table.push([
            o.id.to_string(),
            o.intent.symbol.to_string(),
            o.intent.side.to_string(),
            o.intent.order_type.to_string(),
            o.intent.qty.to_string(),
            o.intent.price.map_or_else(|| "market".to_owned(), |p| p.to_string()),
            o.filled_qty.to_string(),
            o.status.to_string(),
            o.intent.origin.to_string(),
        ]);
    }
    table
}

fn amend(
    ctx: &Context,
    id: OrderId,
    (price, qty): (Option<Decimal>, Option<Decimal>),
    venue: &VenueArgs,
    feed: &FeedArgs,
    unlock: &UnlockArgs,
) -> anyhow::Result<ExitCode> {
    if price.is_none() && qty.is_none() {
        return Err(usage("nothing to amend: give --price, --qty or both"));
    }
    in_session(ctx, venue, feed, unlock, |handle| Box::pin(amend_in(handle, id, price, qty)))
}

async fn amend_in(
    handle: &EngineHandle,
    id: OrderId,
    price: Option<Decimal>,
    qty: Option<Decimal>,
) -> anyhow::Result<ExitCode> {
    let Some(symbol) = handle.snapshot().orders.iter().find(|o| o.id == id).map(|o| o.intent.symbol.clone())
    else {
        bail!("no order #{id} in this data directory");
    };
    wait_for_market(handle, &symbol).await?;
    if handle.snapshot().venue == Some(Venue::Live) {
        wait_for_reconciliation(handle).await?;
        println!("LIVE: this amend cancels #{id} at the exchange and places its replacement with real money");
    }
    match handle.request(|reply| EngineCommand::Amend { id, price, qty, hold: true, reply }).await {
        Ok(outcome) => decide(handle, outcome).await,
        Err(err @ (CommandError::Refused(_) | CommandError::NoSuchOrder(_))) => {
            println!("refused: {err}");
            Ok(ExitCode::from(REFUSED))
        }
        Err(err) => Err(err.into()),
    }
}

fn cancel(
    ctx: &Context,
    id: OrderId,
    venue: &VenueArgs,
    feed: &FeedArgs,
    unlock: &UnlockArgs,
) -> anyhow::Result<ExitCode> {
    let live = venue.venue == Venue::Live;
    in_session(ctx, venue, feed, unlock, |handle| Box::pin(cancel_in(handle, id, live)))
}

async fn cancel_in(handle: &EngineHandle, id: OrderId, live: bool) -> anyhow::Result<ExitCode> {
    if live {
        // The order list is only true once reconciled with the exchange.
        wait_for_reconciliation(handle).await?;
    }
    handle.request(|reply| EngineCommand::Cancel { id, reply }).await?;
    match order_when(handle, id, |o| o.status.is_terminal()).await {
        Some(order) if order.status == OrderStatus::Cancelled => println!("cancelled order #{id}"),
        Some(order) if order.status.is_terminal() => {
            println!("order #{id} ended before the cancel: {}", order.status)
        }
        _ => println!("cancel of order #{id} requested; the exchange has not confirmed it yet"),
    }
    Ok(ExitCode::SUCCESS)
}
