//! Semantic colour themes: widgets ask for a *role* (bid, loss, autonomous…), never a colour.
//!
//! Themes are TOML files mapping role names to style specs. The shipped ones are embedded;
//! a user file `<themes-dir>/NAME.toml` is layered over its base (`extends`, else the embedded
//! theme of the same name, else `dark`) and overrides only the fields it names.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use super::error::TuiError;

/// The embedded themes, by name. `dark` is the default.
pub const EMBEDDED: [(&str, &str); 4] = [
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("ansi16", include_str!("../../themes/ansi16.toml")),
];

macro_rules! roles {
    ($($variant:ident => $name:literal,)*) => {
        /// What a piece of the screen *means*; the theme decides how it looks.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Role { $($variant,)* }

        impl Role {
            /// Every role, in declaration order.
            pub const ALL: &[Role] = &[$(Role::$variant,)*];

            /// The role's name in theme files.
            pub fn name(self) -> &'static str {
                match self { $(Role::$variant => $name,)* }
            }
        }
    };
}

roles! {
    Text => "text",
    Muted => "muted",
    Accent => "accent",
    Title => "title",
    Border => "border",
    Focus => "focus",
    Selection => "selection",
    Background => "background",
    Key => "key",
    Bid => "bid",
    Ask => "ask",
    Profit => "profit",
    Loss => "loss",
    Pass => "pass",
    Warn => "warn",
    Fail => "fail",
    Skip => "skip",
    Live => "live",
    Paper => "paper",
    Autonomous => "autonomous",
    Confirm => "confirm",
    Halted => "halted",
    ChartLine => "chart_line",
    FillMarker => "fill_marker",
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.iter().copied().find(|r| r.name() == s).ok_or_else(|| {
            let known: Vec<&str> = Role::ALL.iter().map(|r| r.name()).collect();
            format!("unknown role {s:?} (known roles: {})", known.join(", "))
        })
    }
}

/// One role's look as written in a theme file. Every field is optional so a user theme can
/// change just the colour of `bid` and keep its boldness.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StyleSpec {
    pub fg: Option<String>,
    pub bg: Option<String>,
    pub bold: Option<bool>,
    pub dim: Option<bool>,
    pub italic: Option<bool>,
    pub underlined: Option<bool>,
    pub reversed: Option<bool>,
}

impl StyleSpec {
    /// `self` with every field `over` names replaced.
    fn layered(&self, over: &StyleSpec) -> StyleSpec {
        StyleSpec {
            fg: over.fg.clone().or_else(|| self.fg.clone()),
            bg: over.bg.clone().or_else(|| self.bg.clone()),
            bold: over.bold.or(self.bold),
            dim: over.dim.or(self.dim),
            italic: over.italic.or(self.italic),
            underlined: over.underlined.or(self.underlined),
            reversed: over.reversed.or(self.reversed),
        }
    }

    fn to_style(&self, no_color: bool) -> Result<Style, String> {
        let mut style = Style::default();
        if let Some(fg) = &self.fg {
            let color = parse_color(fg)?;
            if !no_color {
                style = style.fg(color);
            }
        }
        if let Some(bg) = &self.bg {
            let color = parse_color(bg)?;
            if !no_color {
                style = style.bg(color);
            } else if color != Color::Reset {
                // A role that stood out by its background (LIVE, selection…) is shown
                // reversed instead, so it still stands out without colour.
                style = style.add_modifier(Modifier::REVERSED);
            }
        }
        let flags = [
            (self.bold, Modifier::BOLD),
            (self.dim, Modifier::DIM),
            (self.italic, Modifier::ITALIC),
            (self.underlined, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
        ];
        for (on, modifier) in flags {
            if on == Some(true) {
                style = style.add_modifier(modifier);
            }
        }
        Ok(style)
    }
}

fn parse_color(raw: &str) -> Result<Color, String> {
    Color::from_str(raw).map_err(|_| {
        format!("bad colour {raw:?}: use a name (red, lightblue, reset…), an index 0-255, or #rrggbb")
    })
}

/// A theme file: an optional base and role → style.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeFile {
    pub extends: Option<String>,
    #[serde(default)]
    pub roles: BTreeMap<String, StyleSpec>,
}

impl ThemeFile {
    /// Parses theme TOML, naming the theme in any error.
    pub fn parse(name: &str, text: &str) -> Result<Self, TuiError> {
        toml::from_str(text).map_err(|e| TuiError::BadTheme { name: name.into(), detail: e.to_string() })
    }
}

/// Resolved styles for every role.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    styles: BTreeMap<Role, Style>,
}

impl Theme {
    /// Loads `name`: a user file in `user_dir` wins, layered over its base; otherwise an
    /// embedded theme. `no_color` strips every colour but keeps modifiers.
    pub fn load(name: &str, user_dir: Option<&Path>, no_color: bool) -> Result<Self, TuiError> {
        let specs = resolve(name, user_dir, 0)?;
        let mut styles = BTreeMap::new();
        for role in Role::ALL {
            let spec = specs.get(role).cloned().unwrap_or_default();
            let style = spec.to_style(no_color).map_err(|detail| TuiError::BadTheme {
                name: name.into(),
                detail: format!("{}: {detail}", role.name()),
            })?;
            styles.insert(*role, style);
        }
        Ok(Self { name: name.into(), styles })
    }

    /// The style for `role`.
    pub fn style(&self, role: Role) -> Style {
        self.styles.get(&role).copied().unwrap_or_default()
    }
}

fn embedded(name: &str) -> Option<&'static str> {
    EMBEDDED.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// Role specs for `name`, following `extends` (bounded, so a cycle is an error, not a hang).
fn resolve(name: &str, user_dir: Option<&Path>, depth: u8) -> Result<BTreeMap<Role, StyleSpec>, TuiError> {
    if depth > 4 {
        return Err(TuiError::BadTheme { name: name.into(), detail: "`extends` chain is too deep".into() });
    }
    let user_path = user_dir.map(|d| d.join(format!("{name}.toml"))).filter(|p| p.is_file());
    let (file, base) = match (user_path, embedded(name)) {
        (Some(path), builtin) => {
            let text = std::fs::read_to_string(&path).map_err(|source| TuiError::ThemeIo { path, source })?;
            let file = ThemeFile::parse(name, &text)?;
            let base = match (&file.extends, builtin) {
                (Some(parent), _) => Some(resolve(parent, user_dir, depth + 1)?),
                (None, Some(_)) => Some(resolve(name, None, depth + 1)?),
                (None, None) => Some(resolve("dark", None, depth + 1)?),
            };
            (file, base)
        }
        (None, Some(builtin)) => {
            let file = ThemeFile::parse(name, builtin)?;
            let base = match &file.extends {
                Some(parent) => Some(resolve(parent, None, depth + 1)?),
                None => None,
            };
            (file, base)
        }
        (None, None) => {
            let available: Vec<&str> = EMBEDDED.iter().map(|(n, _)| *n).collect();
            return Err(TuiError::UnknownTheme { name: name.into(), available: available.join(", ") });
        }
    };
    let mut specs = base.unwrap_or_default();
    for (role, over) in specs_of(name, &file)? {
        let merged = specs.get(&role).map(|b| b.layered(&over)).unwrap_or(over);
        specs.insert(role, merged);
    }
    Ok(specs)
}

fn specs_of(name: &str, file: &ThemeFile) -> Result<BTreeMap<Role, StyleSpec>, TuiError> {
    file.roles
        .iter()
        .map(|(role, spec)| {
            let role =
                role.parse::<Role>().map_err(|detail| TuiError::BadTheme { name: name.into(), detail })?;
            Ok((role, spec.clone()))
        })
        .collect()
}
