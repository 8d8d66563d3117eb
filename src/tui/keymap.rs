//! Key bindings as data: the embedded defaults plus user overrides, one table per mode.
//! The help overlay and the footer hints are generated from here, so they cannot drift.

use std::collections::BTreeMap;

use crossterm::event::KeyEvent;
use serde::{Deserialize, Serialize};

use super::action::{Action, Mode};
use super::error::TuiError;
use super::key::KeySpec;

const DEFAULT_KEYMAP: &str = include_str!("keymap-default.toml");

/// One binding as written in TOML: keys, the action, and what it does in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindingSpec {
    pub keys: Vec<String>,
    pub action: Action,
    /// Optional in overrides (the default description of the action is reused).
    #[serde(default)]
    pub desc: Option<String>,
}

/// Per-mode binding lists: the shape of both the default file and `[tui.keys]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeyOverrides {
    pub normal: Vec<BindingSpec>,
    pub ticket: Vec<BindingSpec>,
    pub modal: Vec<BindingSpec>,
    pub search: Vec<BindingSpec>,
}

impl KeyOverrides {
    fn tables(&self) -> [(Mode, &[BindingSpec]); 4] {
        [
            (Mode::Normal, &self.normal),
            (Mode::Ticket, &self.ticket),
            (Mode::Modal, &self.modal),
            (Mode::Search, &self.search),
        ]
    }
}

/// A resolved binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub keys: Vec<KeySpec>,
    pub action: Action,
    pub desc: String,
}

/// The effective key bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    modes: BTreeMap<Mode, Vec<Binding>>,
}

impl Keymap {
    /// The embedded defaults with `overrides` applied.
    pub fn load(overrides: &KeyOverrides) -> Result<Self, TuiError> {
        let defaults: KeyOverrides = toml::from_str(DEFAULT_KEYMAP)
            .map_err(|e| TuiError::BadKeymap(format!("embedded defaults: {e}")))?;
        let mut modes = BTreeMap::new();
        for (mode, specs) in defaults.tables() {
            let mut bindings = Vec::new();
            for spec in specs {
                bindings.push(resolve(mode, spec, None)?);
            }
            modes.insert(mode, bindings);
        }
        let mut keymap = Self { modes };
        for (mode, specs) in overrides.tables() {
            for spec in specs {
                keymap.apply(mode, spec)?;
            }
        }
        Ok(keymap)
    }

    fn apply(&mut self, mode: Mode, spec: &BindingSpec) -> Result<(), TuiError> {
        let bindings = self.modes.entry(mode).or_default();
        let fallback = bindings.iter().find(|b| b.action == spec.action).map(|b| b.desc.clone());
        let binding = resolve(mode, spec, fallback)?;
        for existing in bindings.iter_mut() {
            existing.keys.retain(|k| !binding.keys.contains(k));
        }
        bindings.retain(|b| !b.keys.is_empty());
        bindings.push(binding);
        Ok(())
    }

    /// The action bound to `event` in `mode`, if any.
    pub fn action(&self, mode: Mode, event: &KeyEvent) -> Option<Action> {
        let key = KeySpec::from_event(event);
        self.bindings(mode).iter().find(|b| b.keys.contains(&key)).map(|b| b.action)
    }

    /// The bindings of `mode`, in file order (overrides last).
    pub fn bindings(&self, mode: Mode) -> &[Binding] {
        self.modes.get(&mode).map(Vec::as_slice).unwrap_or_default()
    }

    /// The first key bound to `action` in `mode`, for hints such as "b buy".
    pub fn key_for(&self, mode: Mode, action: Action) -> Option<KeySpec> {
        self.bindings(mode).iter().find(|b| b.action == action).and_then(|b| b.keys.first().copied())
    }
}

fn resolve(mode: Mode, spec: &BindingSpec, fallback_desc: Option<String>) -> Result<Binding, TuiError> {
    let bad = |msg: String| TuiError::BadKeymap(format!("[{}] {msg}", mode.name()));
    if !spec.action.allowed_in(mode) {
        return Err(bad(format!("action {:?} is not available in {} mode", spec.action, mode.name())));
    }
    if spec.keys.is_empty() {
        return Err(bad(format!("binding for {:?} has no keys", spec.action)));
    }
    let keys = spec
        .keys
        .iter()
        .map(|k| k.parse::<KeySpec>().map_err(|e| bad(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let desc = spec.desc.clone().or(fallback_desc).unwrap_or_else(|| format!("{:?}", spec.action));
    Ok(Binding { keys, action: spec.action, desc })
}
