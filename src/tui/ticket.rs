//! The order ticket's state: what the person has typed, and the engine's live verdicts on it.

use rust_decimal::Decimal;

use crate::domain::{OrderIntent, OrderType, Origin, Side, Symbol};
use crate::engine::{CheckLine, CheckVerdict};

/// The ticket's fields, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketField {
    Side,
    Type,
    Qty,
    Price,
}

/// An order being written. Text fields stay text until they parse, so the person can type
/// `0.` on the way to `0.05`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub symbol: Symbol,
    pub side: Side,
    pub order_type: OrderType,
    pub qty: String,
    pub price: String,
    pub field: TicketField,
    /// The id of the last preview sent; only the answer to it is shown.
    pub request: Option<u64>,
    /// The engine's checks for the current contents (None while waiting or invalid).
    pub checks: Option<Vec<CheckLine>>,
    /// Why the ticket cannot be reviewed yet, in words.
    pub error: Option<String>,
}

impl Ticket {
    /// A limit ticket for `symbol`, price prefilled with the last trade when known.
    pub fn new(symbol: Symbol, side: Side, last: Option<Decimal>) -> Self {
        Self {
            symbol,
            side,
            order_type: OrderType::Limit,
            qty: String::new(),
            price: last.map(|p| p.to_string()).unwrap_or_default(),
            field: TicketField::Qty,
            request: None,
            checks: None,
            error: None,
        }
    }

    /// The fields that can take focus (no price for market orders).
    fn fields(&self) -> &'static [TicketField] {
        match self.order_type {
            OrderType::Limit => &[TicketField::Side, TicketField::Type, TicketField::Qty, TicketField::Price],
            OrderType::Market => &[TicketField::Side, TicketField::Type, TicketField::Qty],
        }
    }

    /// Moves focus by `step` fields, wrapping.
    pub fn move_field(&mut self, step: isize) {
        let fields = self.fields();
        let at = fields.iter().position(|f| *f == self.field).unwrap_or(0) as isize;
        let len = fields.len() as isize;
        self.field = fields[(at + step).rem_euclid(len) as usize];
    }

    /// Flips side or type when one of those is focused. Returns true if anything changed.
    pub fn toggle(&mut self) -> bool {
        match self.field {
            TicketField::Side => {
                self.side = match self.side {
                    Side::Buy => Side::Sell,
                    Side::Sell => Side::Buy,
                };
                true
            }
            TicketField::Type => {
                self.order_type = match self.order_type {
                    OrderType::Limit => OrderType::Market,
                    OrderType::Market => OrderType::Limit,
                };
                true
            }
            TicketField::Qty | TicketField::Price => false,
        }
    }

    /// Types `c` into the focused text field (digits and one decimal point only).
    pub fn type_char(&mut self, c: char) -> bool {
        let Some(text) = self.text_mut() else { return false };
        let ok = c.is_ascii_digit() || (c == '.' && !text.contains('.'));
        if ok && text.len() < 24 {
            text.push(c);
        }
        ok
    }

    /// Deletes the last character of the focused text field.
    pub fn delete_char(&mut self) -> bool {
        self.text_mut().and_then(String::pop).is_some()
    }

    fn text_mut(&mut self) -> Option<&mut String> {
        match self.field {
            TicketField::Qty => Some(&mut self.qty),
            TicketField::Price => Some(&mut self.price),
            TicketField::Side | TicketField::Type => None,
        }
    }

    /// The intent the fields describe, or a sentence saying what is missing.
    pub fn intent(&self) -> Result<OrderIntent, String> {
        let qty = parse_positive("quantity", &self.qty)?;
        let price = match self.order_type {
            OrderType::Limit => Some(parse_positive("price", &self.price)?),
            OrderType::Market => None,
        };
        if price.is_some_and(|p| p.checked_mul(qty).is_none()) {
            return Err("notional too large: quantity × price overflows; lower one of them".into());
        }
        Ok(OrderIntent {
            symbol: self.symbol.clone(),
            side: self.side,
            order_type: self.order_type,
            qty,
            price,
            origin: Origin::Manual,
            tif: crate::domain::TimeInForce::Gtc,
            post_only: false,
            quote_qty: None,
            stop: None,
        })
    }

    /// Quantity × limit price, when both parse and the product fits.
    pub fn notional(&self) -> Option<Decimal> {
        let intent = self.intent().ok()?;
        intent.price?.checked_mul(intent.qty)
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
