//! The order ticket's state: what the person has typed, and the engine's live verdicts on it.
//!
//! Built for few keys: a buy opens priced at the best bid and a sell at the best ask,
//! quantity is remembered per symbol, single keys set the price to bid / ask / mid / last
//! or nudge it by a tick, and size presets fill the quantity from what the free balance
//! allows. The ticket only proposes: every value still goes through the engine's checks.

use rust_decimal::Decimal;

use super::field::NumberField;
use crate::domain::{
    Instrument, Order, OrderId, OrderIntent, OrderType, Origin, Side, StopKind, StopTrigger, Symbol,
    TimeInForce,
};
use crate::engine::{CheckLine, CheckVerdict};

/// The ticket's fields, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketField {
    Side,
    Type,
    Qty,
    /// The trigger of a stop-limit or take-profit order.
    Stop,
    Price,
}

/// The order types the ticket offers, in the order the type key cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketKind {
    /// Limit, good till cancelled.
    Limit,
    /// Limit, immediate or cancel: what does not fill at once is cancelled.
    Ioc,
    /// Limit, fill or kill: all at once or nothing.
    Fok,
    /// Limit that only ever rests (maker); refused if it would cross.
    PostOnly,
    /// At market: fills what the book offers now (slippage is checked).
    Market,
    /// Stop-limit (`STOP_LOSS_LIMIT`): waits off the book until the last trade moves
    /// against the order to the stop, then works as a limit.
    StopLoss,
    /// Take-profit limit (`TAKE_PROFIT_LIMIT`): waits until the last trade moves in the
    /// order's favour to the stop.
    TakeProfit,
}

impl TicketKind {
    /// Limit and market first: the switch a trader makes most is one key.
    const CYCLE: [TicketKind; 7] = [
        TicketKind::Limit,
        TicketKind::Market,
        TicketKind::PostOnly,
        TicketKind::Ioc,
        TicketKind::Fok,
        TicketKind::StopLoss,
        TicketKind::TakeProfit,
    ];

    /// The kind of ticket that writes `intent` again (an amend keeps the order's kind).
    fn of(intent: &OrderIntent) -> Self {
        match (intent.order_type, intent.stop.map(|s| s.kind), intent.post_only, intent.tif) {
            (OrderType::Market, ..) => TicketKind::Market,
            (_, Some(StopKind::StopLoss), ..) => TicketKind::StopLoss,
            (_, Some(StopKind::TakeProfit), ..) => TicketKind::TakeProfit,
            (_, None, true, _) => TicketKind::PostOnly,
            (_, None, false, TimeInForce::Ioc) => TicketKind::Ioc,
            (_, None, false, TimeInForce::Fok) => TicketKind::Fok,
            (_, None, false, TimeInForce::Gtc) => TicketKind::Limit,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TicketKind::Limit => "limit GTC",
            TicketKind::Ioc => "limit IOC",
            TicketKind::Fok => "limit FOK",
            TicketKind::PostOnly => "post-only",
            TicketKind::Market => "market",
            TicketKind::StopLoss => "stop-limit",
            TicketKind::TakeProfit => "take-profit limit",
        }
    }

    fn next(self, step: isize) -> Self {
        let at = Self::CYCLE.iter().position(|k| *k == self).unwrap_or(0) as isize;
        Self::CYCLE[(at + step).rem_euclid(Self::CYCLE.len() as isize) as usize]
    }

    pub fn has_price(self) -> bool {
        self != TicketKind::Market
    }

    /// The trigger kind, for the two kinds that wait for one.
    pub fn stop(self) -> Option<StopKind> {
        match self {
            TicketKind::StopLoss => Some(StopKind::StopLoss),
            TicketKind::TakeProfit => Some(StopKind::TakeProfit),
            _ => None,
        }
    }
}

/// What the quantity field counts: the base asset, or the quote asset to spend/receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeIn {
    Base,
    Quote,
}

/// Where a one-key price comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceSource {
    Bid,
    Ask,
    Mid,
    Last,
}

/// The size presets, in percent of what the free balance allows; the preset key cycles
/// them. Each is capped at what the gate allows for one order.
pub const PRESETS: [u32; 3] = [25, 50, 100];

/// What sized a preset: its share of the free balance, or a cap that share went over (so
/// the order is one the gate accepts on these grounds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeLimit {
    /// The share of the free balance (a buy's fee on top, as `balance_available` reserves it).
    FreeBalance,
    /// Capped at the gate's `max_order_notional`.
    MaxOrderNotional,
    /// Capped at the instrument's largest quantity (`LOT_SIZE.maxQty`).
    MaxQty,
}

impl SizeLimit {
    /// What follows "25 % of free" on the ticket.
    pub fn label(self) -> &'static str {
        match self {
            SizeLimit::FreeBalance => "",
            SizeLimit::MaxOrderNotional => ", capped at max order",
            SizeLimit::MaxQty => ", capped at max qty",
        }
    }
}

/// A preset as applied: which one, and what sized it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// Index into [`PRESETS`].
    pub index: usize,
    pub of: SizeLimit,
}

/// What the market and the account offer the ticket right now (from the latest snapshot).
#[derive(Debug, Clone, Default)]
pub struct Market<'a> {
    pub bid: Option<Decimal>,
    pub ask: Option<Decimal>,
    pub last: Option<Decimal>,
    pub instrument: Option<&'a Instrument>,
    pub free_base: Decimal,
    pub free_quote: Decimal,
    /// Added on top of a buy's notional by the balance check.
    pub fee_rate: Decimal,
    /// The gate's `max_order_notional` in the quote asset, when the engine says it.
    pub max_notional: Option<Decimal>,
}

/// An order being written. Text fields stay text until they parse, so the person can type
/// `0.` on the way to `0.05`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub symbol: Symbol,
    pub side: Side,
    pub kind: TicketKind,
    pub qty: NumberField,
    pub size_in: SizeIn,
    pub price: NumberField,
    /// The trigger price of a stop-limit or take-profit order.
    pub stop: NumberField,
    pub field: TicketField,
    /// Set when the ticket amends an open order rather than placing a new one.
    pub amends: Option<Amending>,
    /// The preset last applied, until the person types.
    pub preset: Option<Preset>,
    /// The id of the last preview sent; only the answer to it is shown.
    pub request: Option<u64>,
    /// The engine's checks for the current contents (None while waiting or invalid).
    pub checks: Option<Vec<CheckLine>>,
    /// Why the ticket cannot be reviewed yet, in words.
    pub error: Option<String>,
    /// Enter was pressed while the checks were still being computed: the review opens as
    /// soon as they arrive (keys typed meanwhile wait for it, so none is lost).
    pub review_wanted: bool,
}

/// The open order a ticket amends, as it stands: only what changes is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amending {
    pub id: OrderId,
    pub price: Option<Decimal>,
    pub remaining: Decimal,
}

/// What an amend asks the engine for ([`crate::engine::Command::Amend`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmendRequest {
    pub id: OrderId,
    pub price: Option<Decimal>,
    pub qty: Option<Decimal>,
}

/// What the person typed last time on a symbol, offered again on the next ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remembered {
    pub qty: String,
    pub size_in: SizeIn,
}

impl Ticket {
    /// A limit ticket priced at the touch the order would join: the best bid for a buy,
    /// the best ask for a sell (the last trade when that side is empty).
    pub fn new(symbol: Symbol, side: Side, market: &Market<'_>, remembered: Option<&Remembered>) -> Self {
        let touch = match side {
            Side::Buy => market.bid,
            Side::Sell => market.ask,
        };
        let mut ticket = Self {
            symbol,
            side,
            kind: TicketKind::Limit,
            qty: NumberField::new(remembered.map_or("", |r| r.qty.as_str())),
            size_in: remembered.map_or(SizeIn::Base, |r| r.size_in),
            price: NumberField::default(),
            stop: NumberField::default(),
            field: TicketField::Qty,
            amends: None,
            preset: None,
            request: None,
            checks: None,
            error: None,
            review_wanted: false,
        };
        if let Some(price) = touch.or(market.last) {
            ticket.price.set(&at_tick(price, market.instrument));
        }
        ticket
    }

    /// A ticket that amends open order `order`: its kind and side are fixed; its price and
    /// what is left of its quantity are offered for change (price focused).
    pub fn amend(order: &Order, instrument: Option<&Instrument>) -> Self {
        let intent = &order.intent;
        let remaining = order.remaining_qty();
        let mut ticket = Self::new(intent.symbol.clone(), intent.side, &Market::default(), None);
        ticket.kind = TicketKind::of(intent);
        ticket.qty.set(&remaining.normalize().to_string());
        if let Some(price) = intent.price {
            ticket.price.set(&at_tick(price, instrument));
        }
        if let Some(stop) = intent.stop {
            ticket.stop.set(&at_tick(stop.price, instrument));
        }
        ticket.field = TicketField::Price;
        ticket.amends = Some(Amending { id: order.id, price: intent.price, remaining });
        ticket
    }

    /// The engine's amend request this ticket makes: the order, and the price and/or
    /// quantity that differ from it. `None` when this is not an amend.
    pub fn amend_request(&self, intent: &OrderIntent) -> Option<AmendRequest> {
        let amending = self.amends.as_ref()?;
        let price = intent.price.filter(|p| Some(*p) != amending.price);
        let qty = Some(intent.qty).filter(|q| *q != amending.remaining);
        Some(AmendRequest { id: amending.id, price, qty })
    }

    /// Sets the limit price to `price` (a level picked from the ladder), on the tick grid.
    pub fn set_limit_price(&mut self, price: Decimal, market: &Market<'_>) {
        self.price.set(&at_tick(price, market.instrument));
    }

    /// What to remember for the next ticket on this symbol.
    pub fn remembered(&self) -> Option<Remembered> {
        (!self.qty.is_empty()).then(|| Remembered { qty: self.qty.text().to_owned(), size_in: self.size_in })
    }

    /// The fields that can take focus (no price at market).
    fn fields(&self) -> &'static [TicketField] {
        use TicketField::*;
        match (self.amends.is_some(), self.kind.has_price(), self.kind.stop().is_some()) {
            // An amend changes the price and the quantity only.
            (true, ..) => &[Qty, Price],
            (false, _, true) => &[Side, Type, Qty, Stop, Price],
            (false, true, false) => &[Side, Type, Qty, Price],
            (false, false, _) => &[Side, Type, Qty],
        }
    }

    /// Moves focus by `step` fields, wrapping.
    pub fn move_field(&mut self, step: isize) {
        let fields = self.fields();
        let at = fields.iter().position(|f| *f == self.field).unwrap_or(0) as isize;
        let len = fields.len() as isize;
        self.field = fields[(at + step).rem_euclid(len) as usize];
    }

    /// Flips the side, or cycles the order type, when one of those is focused
    /// (`step` is the direction). Returns true if anything changed.
    pub fn toggle(&mut self, step: isize) -> bool {
        if self.amends.is_some() {
            return false;
        }
        match self.field {
            TicketField::Side => {
                self.side = match self.side {
                    Side::Buy => Side::Sell,
                    Side::Sell => Side::Buy,
                };
                true
            }
            TicketField::Type => {
                self.cycle_kind(step);
                true
            }
            TicketField::Qty | TicketField::Stop | TicketField::Price => false,
        }
    }

    /// The next order type, whichever field has focus.
    pub fn cycle_kind(&mut self, step: isize) -> bool {
        if self.amends.is_some() {
            return false;
        }
        self.kind = self.kind.next(step);
        if !self.fields().contains(&self.field) {
            self.field = TicketField::Qty;
        }
        true
    }

    /// The focused number field, if a number field has focus.
    pub fn focused_number(&mut self) -> Option<&mut NumberField> {
        match self.field {
            TicketField::Qty => Some(&mut self.qty),
            TicketField::Stop => Some(&mut self.stop),
            TicketField::Price => Some(&mut self.price),
            TicketField::Side | TicketField::Type => None,
        }
    }

    /// Moves the focused number field's cursor. Returns false: the text is unchanged.
    pub fn move_cursor(&mut self, motion: fn(&mut NumberField)) -> bool {
        if let Some(field) = self.focused_number() {
            motion(field);
        }
        false
    }

    /// Applies `edit` to the focused number field; true if the text changed.
    pub fn edit(&mut self, edit: impl FnOnce(&mut NumberField) -> bool) -> bool {
        let is_qty = self.field == TicketField::Qty;
        let changed = self.focused_number().is_some_and(edit);
        if changed && is_qty {
            self.preset = None;
        }
        changed
    }

    /// Sets the limit price from the book or the tape. Returns a sentence when that price
    /// is not known (empty side, no trade yet).
    pub fn set_price(&mut self, source: PriceSource, market: &Market<'_>) -> Result<(), String> {
        if !self.kind.has_price() {
            return Err("a market order has no price; press the type key for a limit".into());
        }
        let (price, what) = match source {
            PriceSource::Bid => (market.bid, "no bid in the book"),
            PriceSource::Ask => (market.ask, "no ask in the book"),
            PriceSource::Last => (market.last, "no trade seen yet"),
            // A mid between two ticks rounds to the passive side: down for a buy, up for a sell.
            PriceSource::Mid => (mid_for(self.side, market), "the book is one-sided"),
        };
        let price = price.ok_or_else(|| what.to_owned())?;
        self.price_target().set(&at_tick(price, market.instrument));
        Ok(())
    }

    /// The price the one-key prices and nudges change: the stop while it has focus,
    /// otherwise the limit price.
    fn price_target(&mut self) -> &mut NumberField {
        if self.field == TicketField::Stop { &mut self.stop } else { &mut self.price }
    }

    /// Moves the focused price (stop or limit) by `ticks` ticks (from the touch when no price is set yet).
    pub fn nudge_price(&mut self, ticks: i64, market: &Market<'_>) -> Result<(), String> {
        if !self.kind.has_price() {
            return Err("a market order has no price".into());
        }
        let tick = market.instrument.map(|i| i.tick_size).filter(|t| *t > Decimal::ZERO);
        let Some(tick) = tick else {
            return Err("the tick size is not known yet".into());
        };
        let from = match self.price_target().text().parse::<Decimal>() {
            Ok(p) => p,
            Err(_) => match self.side {
                Side::Buy => market.bid,
                Side::Sell => market.ask,
            }
            .ok_or("no price to start from")?,
        };
        let moved = tick.checked_mul(Decimal::from(ticks)).and_then(|d| from.checked_add(d));
        match moved {
            Some(p) if p > Decimal::ZERO => {
                self.price_target().set(&at_tick(p, market.instrument));
                Ok(())
            }
            _ => Err("the price cannot go below one tick".into()),
        }
    }

    /// Switches the quantity between base and quote units (the typed number is kept: the
    /// person retypes it in the new unit, or applies a preset).
    pub fn toggle_size_in(&mut self) {
        self.size_in = match self.size_in {
            SizeIn::Base => SizeIn::Quote,
            SizeIn::Quote => SizeIn::Base,
        };
        self.preset = None;
    }

    /// Applies the next size preset: 25, 50 or 100 % of what the free balance pays for at
    /// the ticket's price (a buy keeps the fee on top, as the balance check does), capped at
    /// `max_order_notional` and the instrument's largest quantity; floored to the step (or
    /// the tick when sized in the quote asset).
    pub fn next_preset(&mut self, market: &Market<'_>) -> Result<u32, String> {
        let index = self.preset.map_or(0, |p| (p.index + 1) % PRESETS.len());
        let pct = PRESETS[index];
        let instrument = market.instrument.ok_or("the instrument's filters are not known yet")?;
        let price = if self.kind.has_price() {
            self.price.text().parse::<Decimal>().ok()
        } else {
            match self.side {
                Side::Buy => market.ask,
                Side::Sell => market.bid,
            }
        }
        .filter(|p| *p > Decimal::ZERO)
        .ok_or("set a price first")?;
        let (qty, of) = preset_qty(pct, self.side, price, market, instrument)
            .ok_or_else(|| "the balance is too large to size".to_owned())?;
        let text = match self.size_in {
            SizeIn::Base => floor_to(qty, instrument.step_size),
            SizeIn::Quote => floor_to(
                qty.checked_mul(price).ok_or_else(|| "the balance is too large to size".to_owned())?,
                instrument.tick_size,
            ),
        };
        if text.parse::<Decimal>().map_or(true, |v| v <= Decimal::ZERO) {
            let asset = match self.side {
                Side::Buy => &instrument.quote_asset,
                Side::Sell => &instrument.base_asset,
            };
            return Err(format!("no free {asset} to size {pct} % of"));
        }
        self.qty.set(&text);
        self.preset = Some(Preset { index, of });
        Ok(pct)
    }

    /// The intent the fields describe, or a sentence saying what is missing.
    pub fn intent(&self, step: Option<Decimal>) -> Result<OrderIntent, String> {
        let amount = parse_positive(
            match self.size_in {
                SizeIn::Base => "quantity",
                SizeIn::Quote => "quote amount",
            },
            self.qty.text(),
        )?;
        let price =
            if self.kind.has_price() { Some(parse_positive("price", self.price.text())?) } else { None };
        let (qty, quote_qty) = match (self.size_in, price) {
            (SizeIn::Base, _) => (amount, None),
            // At market the exchange spends (or receives) exactly the quote amount.
            (SizeIn::Quote, None) => (Decimal::ZERO, Some(amount)),
            (SizeIn::Quote, Some(price)) => {
                let step = step.filter(|s| *s > Decimal::ZERO).ok_or("the step size is not known yet")?;
                let qty = amount.checked_div(price).map(|q| floor_to(q, step)).and_then(|q| q.parse().ok());
                match qty {
                    Some(q) if q > Decimal::ZERO => (q, None),
                    _ => return Err(format!("{amount} buys less than one step ({step}) at {price}")),
                }
            }
        };
        let stop = match self.kind.stop() {
            Some(kind) => Some(StopTrigger { kind, price: parse_positive("stop price", self.stop.text())? }),
            None => None,
        };
        if price.is_some_and(|p| p.checked_mul(qty).is_none()) {
            return Err("notional too large: quantity × price overflows; lower one of them".into());
        }
        Ok(OrderIntent {
            symbol: self.symbol.clone(),
            side: self.side,
            order_type: if price.is_some() { OrderType::Limit } else { OrderType::Market },
            qty,
            price,
            origin: Origin::Manual,
            tif: match self.kind {
                TicketKind::Ioc => TimeInForce::Ioc,
                TicketKind::Fok => TimeInForce::Fok,
                TicketKind::Limit
                | TicketKind::PostOnly
                | TicketKind::Market
                | TicketKind::StopLoss
                | TicketKind::TakeProfit => TimeInForce::Gtc,
            },
            post_only: self.kind == TicketKind::PostOnly,
            quote_qty,
            stop,
        })
    }

    /// Why the reviewed order may not be sent, if anything: the first failing check.
    pub fn blocker(&self) -> Option<String> {
        match &self.checks {
            None => Some("waiting for the engine's checks".into()),
            Some(checks) => checks
                .iter()
                .find(|c| c.verdict == CheckVerdict::Fail)
                .map(|c| format!("blocked by {}: {}", c.id, c.detail)),
        }
    }
}

/// `value` at the instrument's tick precision (as is when the tick is unknown).
fn at_tick(value: Decimal, instrument: Option<&Instrument>) -> String {
    match instrument.map(|i| i.tick_size).filter(|t| *t > Decimal::ZERO) {
        Some(tick) => floor_to(value, tick),
        None => value.normalize().to_string(),
    }
}

/// `value` rounded down to a multiple of `step`, written with the step's decimals.
fn floor_to(value: Decimal, step: Decimal) -> String {
    let step = step.normalize();
    let floored = value.checked_div(step).map(|n| n.floor()).and_then(|n| n.checked_mul(step));
    let mut v = floored.unwrap_or(value);
    v.rescale(step.scale());
    v.to_string()
}

/// The quantity `pct` % of the free balance pays for in a `side` order at `price`, capped
/// at `max_order_notional` and the instrument's `maxQty`, and what sized it. `None` on
/// overflow.
fn preset_qty(
    pct: u32,
    side: Side,
    price: Decimal,
    market: &Market<'_>,
    instrument: &Instrument,
) -> Option<(Decimal, SizeLimit)> {
    let affordable = match side {
        Side::Buy => {
            let with_fee = Decimal::ONE.checked_add(market.fee_rate)?;
            market.free_quote.checked_div(with_fee)?.checked_div(price)?
        }
        Side::Sell => market.free_base,
    };
    let share = affordable.checked_mul(Decimal::from(pct))? / Decimal::ONE_HUNDRED;
    let mut qty = (share, SizeLimit::FreeBalance);
    if let Some(max) = market.max_notional.and_then(|n| n.checked_div(price))
        && max < qty.0
    {
        qty = (max, SizeLimit::MaxOrderNotional);
    }
    if instrument.max_qty > Decimal::ZERO && instrument.max_qty < qty.0 {
        qty = (instrument.max_qty, SizeLimit::MaxQty);
    }
    Some(qty)
}

/// The mid, on the tick grid, rounded toward the passive side of `side`.
fn mid_for(side: Side, market: &Market<'_>) -> Option<Decimal> {
    let mid = market.bid?.checked_add(market.ask?)? / Decimal::TWO;
    let tick = market.instrument.map(|i| i.tick_size).filter(|t| *t > Decimal::ZERO)?;
    let ticks = mid.checked_div(tick)?;
    let ticks = match side {
        Side::Buy => ticks.floor(),
        Side::Sell => ticks.ceil(),
    };
    ticks.checked_mul(tick)
}

fn parse_positive(what: &str, text: &str) -> Result<Decimal, String> {
    if text.is_empty() {
        return Err(format!("enter a {what}"));
    }
    match text.parse::<Decimal>() {
        Ok(v) if v > Decimal::ZERO => Ok(v),
        Ok(_) => Err(format!("{what} must be above zero")),
        Err(_) => Err(format!("{what} {text:?} is not a number")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::domain::SymbolStatus;

    fn btc() -> Instrument {
        Instrument {
            symbol: Symbol::new("BTCUSDT").unwrap(),
            base_asset: "BTC".into(),
            quote_asset: "USDT".into(),
            status: SymbolStatus::Trading,
            tick_size: Decimal::new(1, 2),
            min_price: Decimal::new(1, 2),
            max_price: Decimal::from(1_000_000),
            step_size: Decimal::new(1, 5),
            min_qty: Decimal::new(1, 5),
            max_qty: Decimal::from(9000),
            min_notional: Decimal::from(5),
        }
    }

    fn market(instrument: &Instrument) -> Market<'_> {
        Market {
            bid: Some("64000.10".parse().unwrap()),
            ask: Some("64000.15".parse().unwrap()),
            last: Some("64000.12".parse().unwrap()),
            instrument: Some(instrument),
            free_base: "0.5".parse().unwrap(),
            free_quote: "1000".parse().unwrap(),
            fee_rate: "0.001".parse().unwrap(),
            max_notional: None,
        }
    }

    fn ticket(side: Side, m: &Market<'_>) -> Ticket {
        Ticket::new(Symbol::new("BTCUSDT").unwrap(), side, m, None)
    }

    #[test]
    fn opens_at_the_touch_the_order_joins() {
        let i = btc();
        let m = market(&i);
        assert_eq!(ticket(Side::Buy, &m).price.text(), "64000.10");
        assert_eq!(ticket(Side::Sell, &m).price.text(), "64000.15");
    }

    #[test]
    fn mid_rounds_to_the_passive_side_and_nudges_move_by_ticks() {
        let i = btc();
        let m = market(&i);
        let mut buy = ticket(Side::Buy, &m);
        buy.set_price(PriceSource::Mid, &m).unwrap();
        assert_eq!(buy.price.text(), "64000.12");
        let mut sell = ticket(Side::Sell, &m);
        sell.set_price(PriceSource::Mid, &m).unwrap();
        assert_eq!(sell.price.text(), "64000.13");
        sell.nudge_price(-3, &m).unwrap();
        assert_eq!(sell.price.text(), "64000.10");
    }

    #[test]
    fn presets_size_from_the_free_balance_with_the_fee_on_top() {
        let i = btc();
        let m = market(&i);
        let mut buy = ticket(Side::Buy, &m);
        assert_eq!(buy.next_preset(&m).unwrap(), 25);
        // 250 / 1.001 / 64000.10 = 0.0039024…, floored to the 0.00001 step.
        assert_eq!(buy.qty.text(), "0.00390");
        assert_eq!(buy.next_preset(&m).unwrap(), 50);
        assert_eq!(buy.next_preset(&m).unwrap(), 100);
        let intent = buy.intent(Some(i.step_size)).unwrap();
        let cost = intent.price.unwrap() * intent.qty * Decimal::new(1001, 3);
        assert!(cost <= m.free_quote, "{cost}");
        let mut sell = ticket(Side::Sell, &m);
        sell.next_preset(&m).unwrap();
        assert_eq!(sell.qty.text(), "0.12500");
    }

    #[test]
    fn presets_are_capped_at_what_the_gate_allows() {
        let i = btc();
        let m = Market { max_notional: Some(Decimal::from(200)), ..market(&i) };
        let mut buy = ticket(Side::Buy, &m);
        // 25 % of 1000 USDT free pays for 249.75 of notional; the gate allows 200 per order.
        assert_eq!(buy.next_preset(&m).unwrap(), 25);
        assert_eq!(buy.preset.unwrap().of, SizeLimit::MaxOrderNotional);
        // 200 / 64000.10 = 0.0031249…, floored to the 0.00001 step.
        assert_eq!(buy.qty.text(), "0.00312");
        let capped = buy.intent(Some(i.step_size)).unwrap();
        assert!(capped.qty * capped.price.unwrap() <= Decimal::from(200));
        // A sell of 25 % of 0.5 BTC at 64000.15 is 8000 of notional: capped the same way.
        let mut sell = ticket(Side::Sell, &m);
        sell.next_preset(&m).unwrap();
        assert_eq!(sell.qty.text(), "0.00312");
        // In the quote asset, 200 USDT floored to the tick.
        let mut quote = ticket(Side::Buy, &m);
        quote.toggle_size_in();
        quote.next_preset(&m).unwrap();
        let spend: Decimal = quote.qty.text().parse().unwrap();
        assert!(spend <= Decimal::from(200) && spend >= "199.99".parse().unwrap(), "{spend}");
        // A cap the share does not reach leaves the share alone.
        let loose = Market { max_notional: Some(Decimal::from(300)), ..market(&i) };
        let mut buy = ticket(Side::Buy, &loose);
        buy.next_preset(&loose).unwrap();
        assert_eq!((buy.qty.text(), buy.preset.unwrap().of), ("0.00390", SizeLimit::FreeBalance));
        // 50 % (499.5) is over it: capped at 300.
        buy.next_preset(&loose).unwrap();
        assert_eq!((buy.qty.text(), buy.preset.unwrap().of), ("0.00468", SizeLimit::MaxOrderNotional));
        // And the instrument's largest quantity caps it too.
        let tiny = Instrument { max_qty: "0.002".parse().unwrap(), ..btc() };
        let small = Market { instrument: Some(&tiny), ..market(&i) };
        let mut buy = ticket(Side::Buy, &small);
        buy.next_preset(&small).unwrap();
        assert_eq!((buy.qty.text(), buy.preset.unwrap().of), ("0.00200", SizeLimit::MaxQty));
    }

    #[test]
    fn sizing_in_quote_is_a_quote_order_at_market_and_a_floored_qty_at_a_limit() {
        let i = btc();
        let m = market(&i);
        let mut t = ticket(Side::Buy, &m);
        t.toggle_size_in();
        t.qty.set("100");
        let limit = t.intent(Some(i.step_size)).unwrap();
        assert_eq!(limit.qty, "0.00156".parse().unwrap());
        assert_eq!(limit.quote_qty, None);
        t.field = TicketField::Type;
        while t.kind != TicketKind::Market {
            t.toggle(1);
        }
        let market_order = t.intent(Some(i.step_size)).unwrap();
        assert_eq!(
            (market_order.order_type, market_order.quote_qty),
            (OrderType::Market, Some(Decimal::from(100)))
        );
    }

    #[test]
    fn every_kind_maps_to_its_intent() {
        let i = btc();
        let m = market(&i);
        let mut t = ticket(Side::Buy, &m);
        t.qty.set("0.001");
        t.stop.set("64100");
        let mut seen = Vec::new();
        for _ in 0..TicketKind::CYCLE.len() {
            let intent = t.intent(Some(i.step_size)).unwrap();
            assert_eq!(TicketKind::of(&intent), t.kind, "an amend reopens the kind it was");
            seen.push((intent.order_type, intent.tif, intent.post_only, intent.stop.map(|s| s.kind)));
            t.cycle_kind(1);
        }
        assert_eq!(
            seen,
            [
                (OrderType::Limit, TimeInForce::Gtc, false, None),
                (OrderType::Market, TimeInForce::Gtc, false, None),
                (OrderType::Limit, TimeInForce::Gtc, true, None),
                (OrderType::Limit, TimeInForce::Ioc, false, None),
                (OrderType::Limit, TimeInForce::Fok, false, None),
                (OrderType::Limit, TimeInForce::Gtc, false, Some(StopKind::StopLoss)),
                (OrderType::Limit, TimeInForce::Gtc, false, Some(StopKind::TakeProfit)),
            ]
        );
    }
}
