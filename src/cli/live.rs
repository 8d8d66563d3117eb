//! What a live session needs before the engine starts: the key it trades
//! with, where its secret comes from, whether it is trusted, and the running
//! live venue.
//!
//! The secret stays encrypted in the vault: the signer decrypts it for each
//! signature and drops it right after. The API key itself is sent in a header
//! with every request, so it is held (as a secret string) for the session.
//!
//! Trust: a key is verified only by a trade-only verdict from the endpoint the
//! session trades with. Where that endpoint has `/sapi` (Binance, the
//! simulator) the key is asked again at every start and the answer recorded;
//! where it has none (the spot testnet) the stored verdict from the same
//! endpoint is all there is, and without one the key is not verified.

use std::sync::Arc;

use anyhow::{Context as _, bail};
use secrecy::{ExposeSecret, SecretString};
use vigil_keystore::Vault;

use super::keys::{self, KeyCheck, KeyVerdict};
use crate::clock::Clock;
use crate::engine::{LiveKey, LiveSetup};
use crate::exec::LiveVenue;
use crate::market::proxy::HttpsProxy;
use crate::risk::KeyPermissions;
use crate::sim::account::{TRADE_ONLY_API_KEY, TRADE_ONLY_SECRET};
use crate::venue::{
    AccountError, ApiRestrictions, SecretError, SecretSource, SignedClient, Signer, Verdict, assess,
};

/// Binance's WebSocket API (trading and user data).
pub const BINANCE_WS_API: &str = "wss://ws-api.binance.com:443/ws-api/v3";
/// The spot testnet's WebSocket API.
pub const BINANCE_TESTNET_WS_API: &str = "wss://ws-api.testnet.binance.vision/ws-api/v3";

/// Whose key a live session trades with.
pub enum LiveCredentials {
    /// A key stored in the unlocked keystore, by name.
    Keystore { vault: Arc<Vault>, name: String },
    /// The embedded simulator's public test key (`vigil demo --venue live`):
    /// it opens no real account, which is why it needs no keystore.
    SimulatorTestKey,
}

/// The vault record holding a key's secret, decrypted for one signature at a time.
struct VaultSecret {
    vault: Arc<Vault>,
    record: String,
}

impl SecretSource for VaultSecret {
    fn secret(&self) -> Result<SecretString, SecretError> {
        let missing = || {
            SecretError(format!("the vault record {} is missing or not text; re-add the key", self.record))
        };
        let raw = self.vault.get(&self.record).map_err(|e| SecretError(format!("{}: {e}", self.record)))?;
        let raw = raw.ok_or_else(missing)?;
        let text = std::str::from_utf8(raw.expose_secret()).map_err(|_| missing())?;
        Ok(SecretString::from(text.to_owned()))
    }
}

/// Builds the signed client, settles whether the key is trusted, and starts
/// the live venue. Returns it with the words the screen shows for it.
pub async fn prepare(
    credentials: LiveCredentials,
    rest_url: &str,
    proxy: Option<&HttpsProxy>,
    ws_api_url: &str,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<(LiveSetup, String)> {
    let (client, stored, name, test_key) = match credentials {
        LiveCredentials::Keystore { vault, name } => {
            let meta = keys::read_meta(&vault, &name)?
                .with_context(|| format!("no key named {name:?}; `vigil keys list` shows the stored ones"))?;
            let api_key = keys::verify::read_text(&vault, &keys::key_record(&name))?;
            let signer = Signer::from_source(Box::new(VaultSecret {
                vault: vault.clone(),
                record: keys::secret_record(&name),
            }));
            let client = SignedClient::new(rest_url, proxy, api_key, Arc::new(signer), clock)?;
            (client, Some((vault, meta)), name, false)
        }
        LiveCredentials::SimulatorTestKey => {
            let signer = Signer::new(SecretString::from(TRADE_ONLY_SECRET));
            let client = SignedClient::new(
                rest_url,
                proxy,
                SecretString::from(TRADE_ONLY_API_KEY),
                Arc::new(signer),
                clock,
            )?;
            (client, None, "the simulator's test key".to_owned(), true)
        }
    };
    let fresh = client.api_restrictions().await;
    let base = client.base().to_owned();
    let (verified, permissions, how) = match (&fresh, &stored) {
        (Ok(restrictions), _) => {
            let assessment = assess(restrictions);
            let verified = assessment.verdict == Verdict::TradeOnly;
            if let Some((vault, meta)) = &stored {
                record(vault, &name, meta.clone(), restrictions, &base)?;
            }
            (verified, Some(permissions_of(restrictions)), format!("verified now at {base}"))
        }
        (Err(AccountError::NotFound { .. }), Some((_, meta))) => {
            stored_standing(meta.permissions.as_ref(), &base)
        }
        (Err(err), Some((_, meta))) => {
            let (verified, permissions, how) = stored_standing(meta.permissions.as_ref(), &base);
            (verified, permissions, format!("{how}; re-verification failed: {err}"))
        }
        (Err(err), None) => bail!("cannot verify the simulator's test key at {base}: {err}"),
    };
    if !verified {
        eprintln!(
            "vigil: WARNING: key {name:?} is not verified trade-only for {base} ({how}); every order will be \
             refused by key_permissions / venue_armed. Run `vigil keys verify {name} --rest-url {base}`."
        );
    }
    let host = url::Url::parse(&base).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
    // Short: it shares the header's second line with equity and PnL at 80 columns.
    let label =
        if test_key { "sim test key, no keystore".to_owned() } else { format!("key {name} @ {host}") };
    let venue = LiveVenue::start(client, ws_api_url.to_owned());
    let key = LiveKey { label: name, test_key, verified, permissions, standing: how };
    Ok((LiveSetup { venue, key }, label))
}

/// The stored verdict, trusted only if it came from `base`.
fn stored_standing(check: Option<&KeyCheck>, base: &str) -> (bool, Option<KeyPermissions>, String) {
    match check {
        Some(check) if check.endpoint.as_deref() == Some(base) => {
            let permissions = check.restrictions.as_ref().map(permissions_of);
            let verified = check.verdict == KeyVerdict::TradeOnly;
            (verified, permissions, format!("stored verdict from {base}, {}", check.checked_at))
        }
        Some(check) => (
            false,
            None,
            format!(
                "the stored verdict came from {}, not {base}",
                check.endpoint.as_deref().unwrap_or("an unrecorded endpoint")
            ),
        ),
        None => (false, None, "never verified".to_owned()),
    }
}

/// Records a fresh check in the key's meta record, as `keys verify` does.
fn record(
    vault: &Vault,
    name: &str,
    mut meta: keys::KeyMeta,
    r: &ApiRestrictions,
    base: &str,
) -> anyhow::Result<()> {
    let assessment = assess(r);
    let (verdict, detail) = match &assessment.verdict {
        Verdict::TradeOnly => (KeyVerdict::TradeOnly, "spot trading, no withdrawals or transfers".to_owned()),
        Verdict::CannotTrade => (KeyVerdict::CannotTrade, "spot trading is not enabled".to_owned()),
        Verdict::Refused(why) => (KeyVerdict::Refused, why.join("; ")),
    };
    let now = keys::now_rfc3339();
    meta.verified_at = (verdict == KeyVerdict::TradeOnly).then(|| now.clone());
    meta.permissions = Some(KeyCheck {
        checked_at: now,
        verdict,
        detail,
        endpoint: Some(base.to_owned()),
        restrictions: Some(r.clone()),
    });
    vault.put(&keys::meta_record(name), &serde_json::to_vec(&meta)?)?;
    Ok(())
}

/// What the gate reads of a key's restrictions. A fund-moving flag that was
/// not reported counts as granted (the safe reading of an answer vigil
/// cannot judge).
fn permissions_of(r: &ApiRestrictions) -> KeyPermissions {
    let granted = |flag: Option<bool>| flag == Some(true);
    KeyPermissions {
        can_trade: granted(r.enable_spot_and_margin_trading),
        can_withdraw: r.enable_withdrawals != Some(false),
        can_transfer: r.enable_internal_transfer != Some(false)
            || r.permits_universal_transfer != Some(false),
        can_leverage: granted(r.enable_margin)
            || granted(r.enable_futures)
            || granted(r.enable_vanilla_options)
            || granted(r.enable_portfolio_margin_trading),
    }
}
