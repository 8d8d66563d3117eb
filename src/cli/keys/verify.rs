//! `vigil keys verify NAME`: ask the exchange what a stored key may do, refuse
//! it if it can move funds, and record the outcome in the key's meta record.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use secrecy::{ExposeSecret, SecretString};
use vigil_keystore::Vault;

use super::{
    Exchange, KeyCheck, KeyVerdict, exchange_name, key_record, meta_record, now_rfc3339, secret_record,
};
use crate::cli::Context;
use crate::cli::prompt::UnlockArgs;
use crate::cli::trading::{load_config, runtime};
use crate::cli::unlock::unlock;
use crate::clock::SystemClock;
use crate::market::transport::{UrlKind, check_url};
use crate::market::{BINANCE_REST, BINANCE_TESTNET_REST};
use crate::venue::{AccountError, ApiRestrictions, SignedClient, Signer, Verdict, assess};

/// Runs the check and records it; a refused or non-trading key is an error (exit 1)
/// after its permissions and the reason have been shown and recorded.
pub(super) fn run(
    name: &str,
    rest_url: Option<String>,
    args: &UnlockArgs,
    ctx: &Context,
) -> anyhow::Result<ExitCode> {
    if let Some(url) = &rest_url {
        // Before the unlock: a URL the transport policy refuses should not cost a code.
        check_url(url, UrlKind::Http)?;
    }
    // The same route the live session will take: the config's proxy, if any
    // (read before the unlock, so a bad config does not cost a code).
    let proxy = load_config(ctx)?.network.https_proxy;
    let vault = unlock(ctx, args)?;
    let mut meta = super::read_meta(&vault, name)?
        .with_context(|| format!("no key named {name:?}; `vigil keys list` shows the stored ones"))?;
    let base = rest_url.unwrap_or_else(|| default_rest(meta.exchange).to_owned());

    let signer = Arc::new(Signer::new(read_text(&vault, &secret_record(name))?));
    let client = SignedClient::new(
        &base,
        proxy.as_ref(),
        read_text(&vault, &key_record(name))?,
        signer,
        Arc::new(SystemClock),
    )?;
    let restrictions = runtime()?
        .block_on(client.api_restrictions())
        .map_err(|err| anyhow::anyhow!("cannot verify key {name:?}: {err}{}", hint(&err, meta.exchange)))?;

    println!("key {name:?} on {} ({base}) reports:", exchange_name(meta.exchange));
    print_flags(&restrictions);
    let assessment = assess(&restrictions);
    for warning in &assessment.warnings {
        println!("warning: {warning}");
    }
    let now = now_rfc3339();
    let (verdict, detail) = match &assessment.verdict {
        Verdict::TradeOnly => (KeyVerdict::TradeOnly, "spot trading, no withdrawals or transfers".to_owned()),
        Verdict::CannotTrade => (KeyVerdict::CannotTrade, "spot trading is not enabled".to_owned()),
        Verdict::Refused(why) => (KeyVerdict::Refused, why.join("; ")),
    };
    meta.verified_at = (verdict == KeyVerdict::TradeOnly).then(|| now.clone());
    meta.permissions = Some(KeyCheck {
        checked_at: now,
        verdict,
        detail: detail.clone(),
        endpoint: Some(client.base().to_owned()),
        restrictions: Some(restrictions.clone()),
    });
    vault.put(&meta_record(name), &serde_json::to_vec(&meta)?)?;

    match verdict {
        KeyVerdict::TradeOnly => {
            println!("verified: {name:?} is trade-only ({detail})");
            Ok(ExitCode::SUCCESS)
        }
        KeyVerdict::CannotTrade => bail!(
            "key {name:?} cannot be used: {detail} (enableSpotAndMarginTrading is off); enable spot \
             trading for it on the exchange, then run `vigil keys verify {name}` again"
        ),
        KeyVerdict::Refused => bail!(
            "key {name:?} refused: {detail}. vigil never withdraws or transfers and will not use a key \
             that can: create a trade-only key on the exchange, then `vigil keys remove {name}`"
        ),
    }
}

/// Where a key's exchange answers REST when `--rest-url` is not given.
fn default_rest(exchange: Exchange) -> &'static str {
    match exchange {
        Exchange::Binance => BINANCE_REST,
        Exchange::BinanceTestnet => BINANCE_TESTNET_REST,
    }
}

/// A stored credential as a secret string; the vault's plaintext buffer is
/// zeroized when it drops, and the copy lives only inside the `SecretString`.
pub(crate) fn read_text(vault: &Vault, record: &str) -> anyhow::Result<SecretString> {
    let raw =
        vault.get(record)?.with_context(|| format!("the vault has no record {record}; re-add the key"))?;
    let text = std::str::from_utf8(raw.expose_secret())
        .map_err(|_| anyhow::anyhow!("the vault record {record} is not text; re-add the key"))?;
    Ok(SecretString::from(text.to_owned()))
}

fn print_flags(r: &ApiRestrictions) {
    for (name, flag) in r.flags() {
        let shown = match flag {
            Some(true) => "yes",
            Some(false) => "no",
            None => "not reported",
        };
        println!("  {name:<30} {shown}");
    }
}

/// What to do about a failed check, for the failures a person can fix.
fn hint(err: &AccountError, exchange: Exchange) -> &'static str {
    match (err, err.code()) {
        (AccountError::NotFound { .. }, _) if exchange == Exchange::BinanceTestnet => {
            ". The Binance spot testnet has no /sapi endpoints, so it cannot report a key's \
             permissions: testnet keys cannot be verified"
        }
        (AccountError::NotFound { .. }, _) => ". Is the REST URL a Binance spot API base?",
        (_, Some(-2015)) => {
            ". Check that the key exists on the exchange, allows this machine's IP, and belongs to \
             this exchange"
        }
        (_, Some(-2014)) => ". The stored key is malformed: remove it and add it again",
        (_, Some(-1022)) => {
            ". The stored secret does not match the key: remove the key and add it again with its \
             own secret"
        }
        (_, Some(-1021)) => ". The request took longer than its 5 s window to arrive; try again",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: i64) -> AccountError {
        AccountError::Api { endpoint: "e".into(), status: 400, code, msg: "m".into(), retry_after_s: None }
    }

    #[test]
    fn a_testnet_404_says_the_testnet_cannot_report_permissions() {
        let not_found = AccountError::NotFound { endpoint: "e".into() };
        assert!(hint(&not_found, Exchange::BinanceTestnet).contains("testnet has no /sapi"));
        assert!(!hint(&not_found, Exchange::Binance).contains("testnet"));
    }

    #[test]
    fn fixable_binance_errors_say_what_to_do() {
        assert!(hint(&api(-1022), Exchange::Binance).contains("secret does not match"));
        assert!(hint(&api(-2015), Exchange::Binance).contains("IP"));
        assert_eq!(hint(&api(-1003), Exchange::Binance), "");
    }

    #[test]
    fn each_exchange_has_a_tls_default() {
        assert_eq!(default_rest(Exchange::Binance), "https://api.binance.com");
        assert_eq!(default_rest(Exchange::BinanceTestnet), "https://testnet.binance.vision");
    }
}
