//! What a key press means. Key bindings map keys to these; only `App::update` interprets them.

use serde::{Deserialize, Serialize};

/// The input modes, each with its own binding table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The workstation with nothing open on top.
    Normal,
    /// The order ticket is open.
    Ticket,
    /// A confirmation or settings modal is open.
    Modal,
    /// The symbol search is open: letters type into the query.
    Search,
}

impl Mode {
    /// The table name in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Normal => "normal",
            Mode::Ticket => "ticket",
            Mode::Modal => "modal",
            Mode::Search => "search",
        }
    }
}

/// Everything a key can be bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    // normal mode
    Quit,
    Help,
    Buy,
    Sell,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    ShowMarket,
    ShowPortfolio,
    ShowInbox,
    CancelOrder,
    AmendOrder,
    CancelAll,
    KillSwitch,
    ToggleAutonomous,
    Approve,
    Reject,
    OpenSearch,
    UnwatchSymbol,
    /// Give the focused pane the whole body, and back.
    Zoom,
    /// The chart's next longer timeframe.
    TimeframeNext,
    /// The chart's next shorter timeframe.
    TimeframePrev,
    // ticket and modal
    NextField,
    PrevField,
    Toggle,
    Submit,
    Close,
    DeleteChar,
    // ticket: price and size in one key
    PriceBid,
    PriceAsk,
    PriceMid,
    PriceLast,
    TickUp,
    TickDown,
    SizePreset,
    SizeInQuote,
    CycleType,
    // ticket: readline-style editing of the focused number
    CursorLeft,
    CursorRight,
    LineStart,
    LineEnd,
    DeleteForward,
    KillLine,
    KillWord,
    // modal
    Yes,
    No,
}

impl Action {
    /// True when the action means something in `mode` (checked when bindings load, so a
    /// binding that could never fire is an error instead of a silent no-op).
    pub fn allowed_in(self, mode: Mode) -> bool {
        use Action::*;
        match mode {
            Mode::Normal => matches!(
                self,
                Quit | Help
                    | Buy
                    | Sell
                    | FocusNext
                    | FocusPrev
                    | Up
                    | Down
                    | ShowMarket
                    | ShowPortfolio
                    | ShowInbox
                    | CancelOrder
                    | AmendOrder
                    | CancelAll
                    | KillSwitch
                    | ToggleAutonomous
                    | Approve
                    | Reject
                    | OpenSearch
                    | UnwatchSymbol
                    | Zoom
                    | TimeframeNext
                    | TimeframePrev
            ),
            Mode::Ticket => matches!(
                self,
                NextField
                    | PrevField
                    | Toggle
                    | Submit
                    | Close
                    | DeleteChar
                    | PriceBid
                    | PriceAsk
                    | PriceMid
                    | PriceLast
                    | TickUp
                    | TickDown
                    | SizePreset
                    | SizeInQuote
                    | CycleType
                    | CursorLeft
                    | CursorRight
                    | LineStart
                    | LineEnd
                    | DeleteForward
                    | KillLine
                    | KillWord
            ),
            Mode::Modal => matches!(self, Yes | No | NextField | PrevField | DeleteChar),
            Mode::Search => matches!(self, Up | Down | Submit | Close | DeleteChar),
        }
    }
}
