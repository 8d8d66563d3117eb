//! What an API key may do, as the exchange reports it
//! (`GET /sapi/v1/account/apiRestrictions`, reference §2.9), and vigil's policy
//! on it: a key that can move funds is refused, a key that cannot trade spot is
//! of no use, anything else is trade-only.

use serde::{Deserialize, Serialize};

/// The restrictions Binance reports for a key. Unknown fields are ignored (new
/// ones appear over time); a missing flag reads as `None`, which the policy
/// treats as "not granted" except for the flags that move funds, where
/// "not reported" is refused (the safe reading of a response vigil cannot judge).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiRestrictions {
    pub ip_restrict: Option<bool>,
    pub enable_reading: Option<bool>,
    pub enable_spot_and_margin_trading: Option<bool>,
    pub enable_withdrawals: Option<bool>,
    pub enable_internal_transfer: Option<bool>,
    pub permits_universal_transfer: Option<bool>,
    pub enable_margin: Option<bool>,
    pub enable_futures: Option<bool>,
    pub enable_vanilla_options: Option<bool>,
    pub enable_portfolio_margin_trading: Option<bool>,
}

impl ApiRestrictions {
    /// Every flag vigil reads, by its exchange name, in the order a person wants them.
    pub fn flags(&self) -> [(&'static str, Option<bool>); 10] {
        [
            ("enableReading", self.enable_reading),
            ("enableSpotAndMarginTrading", self.enable_spot_and_margin_trading),
            ("enableWithdrawals", self.enable_withdrawals),
            ("enableInternalTransfer", self.enable_internal_transfer),
            ("permitsUniversalTransfer", self.permits_universal_transfer),
            ("enableMargin", self.enable_margin),
            ("enableFutures", self.enable_futures),
            ("enableVanillaOptions", self.enable_vanilla_options),
            ("enablePortfolioMarginTrading", self.enable_portfolio_margin_trading),
            ("ipRestrict", self.ip_restrict),
        ]
    }

    /// The flags that let a key move funds out of the spot account.
    fn fund_movers(&self) -> [(&'static str, Option<bool>, &'static str); 3] {
        [
            ("enableWithdrawals", self.enable_withdrawals, "it can withdraw funds"),
            (
                "enableInternalTransfer",
                self.enable_internal_transfer,
                "it can transfer funds to sub-accounts",
            ),
            (
                "permitsUniversalTransfer",
                self.permits_universal_transfer,
                "it can transfer funds between wallets (universal transfer)",
            ),
        ]
    }
}

/// vigil's judgement of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Trades spot, cannot move funds: the only kind of key vigil uses.
    TradeOnly,
    /// Cannot move funds, but spot trading is not enabled either.
    CannotTrade,
    /// Can (or may) move funds: refused. One reason per offending flag.
    Refused(Vec<String>),
}

/// A verdict plus the cautions that do not change it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub verdict: Verdict,
    /// Things worth fixing on the exchange that do not make the key unsafe to hold.
    pub warnings: Vec<&'static str>,
}

/// Applies the policy. Pure: the same restrictions always give the same answer.
///
/// vigil never withdraws or transfers, so it will not hold a key that can: a
/// stolen trade-only key can at worst trade badly; one that can withdraw can empty
/// the account. A flag that moves funds and is missing from the answer is refused
/// too, so a change in the exchange's response cannot turn into a silent pass.
pub fn assess(r: &ApiRestrictions) -> Assessment {
    let mut warnings = Vec::new();
    if r.ip_restrict != Some(true) {
        warnings.push(
            "the key is not restricted to trusted IPs (ipRestrict is off): whoever obtains it can \
             trade from anywhere; restrict it to this machine's address on the exchange",
        );
    }
    let leverage =
        [r.enable_margin, r.enable_futures, r.enable_vanilla_options, r.enable_portfolio_margin_trading];
    if leverage.contains(&Some(true)) {
        warnings.push(
            "margin, futures or options are enabled on the key, which vigil never uses: consider disabling them",
        );
    }
    let refusals: Vec<String> = r
        .fund_movers()
        .into_iter()
        .filter_map(|(name, flag, what)| match flag {
            Some(false) => None,
            Some(true) => Some(format!("{what} ({name})")),
            None => Some(format!("the exchange did not report {name}, so vigil cannot tell whether {what}")),
        })
        .collect();
    let verdict = if !refusals.is_empty() {
        Verdict::Refused(refusals)
    } else if r.enable_spot_and_margin_trading == Some(true) {
        Verdict::TradeOnly
    } else {
        Verdict::CannotTrade
    };
    Assessment { verdict, warnings }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parse(json: &str) -> ApiRestrictions {
        serde_json::from_str(json).unwrap()
    }

    fn trade_only() -> ApiRestrictions {
        ApiRestrictions {
            ip_restrict: Some(true),
            enable_reading: Some(true),
            enable_spot_and_margin_trading: Some(true),
            enable_withdrawals: Some(false),
            enable_internal_transfer: Some(false),
            permits_universal_transfer: Some(false),
            enable_margin: Some(false),
            enable_futures: Some(false),
            enable_vanilla_options: Some(false),
            enable_portfolio_margin_trading: Some(false),
        }
    }

    #[test]
    fn current_documented_response_parses_and_cannot_trade() {
        // The official example (reference §2.9), comments removed.
        let r = parse(
            r#"{"ipRestrict":false,"createTime":1698645219000,"enableReading":true,
                "enableWithdrawals":false,"enableInternalTransfer":false,"enableMargin":false,
                "enableFutures":false,"permitsUniversalTransfer":false,"enableVanillaOptions":false,
                "enableFixApiTrade":false,"enableFixReadOnly":true,"enableSpotAndMarginTrading":false,
                "enablePortfolioMarginTrading":true}"#,
        );
        assert_eq!(r.enable_portfolio_margin_trading, Some(true));
        let a = assess(&r);
        assert_eq!(a.verdict, Verdict::CannotTrade);
        assert_eq!(a.warnings.len(), 2, "{:?}", a.warnings);
    }

    #[test]
    fn older_documented_response_is_refused_for_its_transfers() {
        let r = parse(
            r#"{"ipRestrict":false,"createTime":1623840271000,"enableWithdrawals":false,
                "enableInternalTransfer":true,"permitsUniversalTransfer":true,"enableVanillaOptions":false,
                "enableReading":true,"enableFutures":false,"enableMargin":false,
                "enableSpotAndMarginTrading":false,"tradingAuthorityExpirationTime":1628985600000}"#,
        );
        let Verdict::Refused(why) = assess(&r).verdict else { panic!("must refuse") };
        assert_eq!(why.len(), 2);
        assert!(why[0].contains("enableInternalTransfer") && why[1].contains("permitsUniversalTransfer"));
    }

    #[test]
    fn trade_only_key_passes_without_warnings() {
        assert_eq!(assess(&trade_only()), Assessment { verdict: Verdict::TradeOnly, warnings: vec![] });
    }

    #[test]
    fn each_fund_moving_flag_alone_refuses() {
        let cases: [fn(&mut ApiRestrictions); 3] = [
            |r| r.enable_withdrawals = Some(true),
            |r| r.enable_internal_transfer = Some(true),
            |r| r.permits_universal_transfer = Some(true),
        ];
        for (i, set) in cases.iter().enumerate() {
            let mut r = trade_only();
            set(&mut r);
            let Verdict::Refused(why) = assess(&r).verdict else { panic!("case {i} must refuse") };
            assert_eq!(why.len(), 1, "case {i}: {why:?}");
        }
        let mut r = trade_only();
        r.enable_withdrawals = Some(true);
        let Verdict::Refused(why) = assess(&r).verdict else { unreachable!() };
        assert_eq!(why, ["it can withdraw funds (enableWithdrawals)"]);
    }

    #[test]
    fn a_withdrawing_key_is_refused_even_when_it_cannot_trade() {
        let mut r = trade_only();
        r.enable_spot_and_margin_trading = Some(false);
        r.enable_withdrawals = Some(true);
        assert!(matches!(assess(&r).verdict, Verdict::Refused(_)));
    }

    #[test]
    fn missing_fund_moving_flags_refuse_and_other_missing_flags_read_as_off() {
        let r = parse(r#"{"enableSpotAndMarginTrading":true,"enableWithdrawals":false}"#);
        let Verdict::Refused(why) = assess(&r).verdict else { panic!("must refuse") };
        assert_eq!(why.len(), 2);
        assert!(why.iter().all(|w| w.contains("did not report")), "{why:?}");
        let r = parse(
            r#"{"enableWithdrawals":false,"enableInternalTransfer":false,"permitsUniversalTransfer":false}"#,
        );
        assert_eq!(assess(&r).verdict, Verdict::CannotTrade);
    }

    #[test]
    fn ip_restriction_and_leverage_only_warn() {
        let mut r = trade_only();
        r.ip_restrict = Some(false);
        r.enable_futures = Some(true);
        let a = assess(&r);
        assert_eq!(a.verdict, Verdict::TradeOnly);
        assert!(a.warnings[0].contains("ipRestrict") && a.warnings[1].contains("futures"));
    }

    #[test]
    fn a_wrongly_typed_flag_is_a_parse_error_not_a_default() {
        assert!(serde_json::from_str::<ApiRestrictions>(r#"{"enableWithdrawals":"false"}"#).is_err());
    }
}
