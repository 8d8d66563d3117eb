//! The vocabulary of the gate: stable check ids, verdicts, one check's result
//! and the whole gate's result. The ids are a contract with the audit log,
//! the screen and the tests, so they never change spelling.

use serde::{Deserialize, Serialize};

/// The 21 pre-trade checks, in the order the gate evaluates and reports them
/// (the order of the table in DESIGN.md "Orders and the gate").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    KillSwitch,
    VenueArmed,
    AutonomyBudget,
    SymbolAllowed,
    MarketDataFresh,
    PriceTick,
    QuantityStep,
    MinNotional,
    PriceBand,
    MaxOrderNotional,
    BalanceAvailable,
    MaxPosition,
    Concentration,
    MaxOpenOrders,
    DuplicateOrder,
    OrderRate,
    DailyLossLimit,
    DrawdownBreaker,
    LossStreakCooldown,
    ClockSkew,
    KeyPermissions,
}

impl CheckId {
    /// Every check id in evaluation order.
    pub const ALL: [CheckId; 21] = [
        Self::KillSwitch,
        Self::VenueArmed,
        Self::AutonomyBudget,
        Self::SymbolAllowed,
        Self::MarketDataFresh,
        Self::PriceTick,
        Self::QuantityStep,
        Self::MinNotional,
        Self::PriceBand,
        Self::MaxOrderNotional,
        Self::BalanceAvailable,
        Self::MaxPosition,
        Self::Concentration,
        Self::MaxOpenOrders,
        Self::DuplicateOrder,
        Self::OrderRate,
        Self::DailyLossLimit,
        Self::DrawdownBreaker,
        Self::LossStreakCooldown,
        Self::ClockSkew,
        Self::KeyPermissions,
    ];

    /// The stable snake_case id used in the audit log, on screen and in tests.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KillSwitch => "kill_switch",
            Self::VenueArmed => "venue_armed",
            Self::AutonomyBudget => "autonomy_budget",
            Self::SymbolAllowed => "symbol_allowed",
            Self::MarketDataFresh => "market_data_fresh",
            Self::PriceTick => "price_tick",
            Self::QuantityStep => "quantity_step",
            Self::MinNotional => "min_notional",
            Self::PriceBand => "price_band",
            Self::MaxOrderNotional => "max_order_notional",
            Self::BalanceAvailable => "balance_available",
            Self::MaxPosition => "max_position",
            Self::Concentration => "concentration",
            Self::MaxOpenOrders => "max_open_orders",
            Self::DuplicateOrder => "duplicate_order",
            Self::OrderRate => "order_rate",
            Self::DailyLossLimit => "daily_loss_limit",
            Self::DrawdownBreaker => "drawdown_breaker",
            Self::LossStreakCooldown => "loss_streak_cooldown",
            Self::ClockSkew => "clock_skew",
            Self::KeyPermissions => "key_permissions",
        }
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A check's outcome. Only `Fail` blocks an order; `Warn` is shown to the
/// person confirming; `Skip` means the check does not apply (and says why).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
    Skip,
}

/// One check's verdict with a sentence a person can act on, naming the numbers
/// that decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: CheckId,
    pub verdict: Verdict,
    pub detail: String,
}

impl CheckResult {
    /// A passing result.
    pub fn pass(id: CheckId, detail: impl Into<String>) -> Self {
        Self { id, verdict: Verdict::Pass, detail: detail.into() }
    }

    /// A warning: the order may go, but a person should look.
    pub fn warn(id: CheckId, detail: impl Into<String>) -> Self {
        Self { id, verdict: Verdict::Warn, detail: detail.into() }
    }

    /// A failure: the order is refused.
    pub fn fail(id: CheckId, detail: impl Into<String>) -> Self {
        Self { id, verdict: Verdict::Fail, detail: detail.into() }
    }

    /// The check does not apply here (live-only checks on paper, budget in confirm mode).
    pub fn skip(id: CheckId, detail: impl Into<String>) -> Self {
        Self { id, verdict: Verdict::Skip, detail: detail.into() }
    }
}

/// Every check's result, in [`CheckId::ALL`] order. Nothing is short-circuited:
/// a person sees all the reasons at once, not one per attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateResult {
    pub checks: Vec<CheckResult>,
}

impl GateResult {
    /// True when no check failed (warnings do not block).
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.verdict != Verdict::Fail)
    }

    /// The failed checks, in evaluation order.
    pub fn failures(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.verdict == Verdict::Fail)
    }

    /// The checks that warned, in evaluation order.
    pub fn warnings(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.verdict == Verdict::Warn)
    }

    /// The result of one check.
    pub fn get(&self, id: CheckId) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }
}
