//! Themes, key bindings and the `[tui]` config section: the shipped files parse, user
//! overrides change only what they name, and every invalid input gives a clear error.
#![allow(clippy::unwrap_used)]

use std::ffi::OsStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};
use vigil::tui::{
    Action, EMBEDDED_THEMES, KeyOverrides, KeySpec, Keymap, Mode, Role, Theme, TuiConfig, TuiError,
    no_color_requested,
};

#[test]
fn every_shipped_theme_parses_and_names_every_role() {
    for (name, text) in EMBEDDED_THEMES {
        let file = vigil::tui::ThemeFile::parse(name, text).unwrap();
        for role in Role::ALL {
            assert!(file.roles.contains_key(role.name()), "theme {name} lacks role {}", role.name());
        }
        Theme::load(name, None, false).unwrap();
    }
}

#[test]
fn ansi16_uses_only_the_16_named_colours() {
    let theme = Theme::load("ansi16", None, false).unwrap();
    for role in Role::ALL {
        let style = theme.style(*role);
        for color in [style.fg, style.bg].into_iter().flatten() {
            assert!(
                !matches!(color, Color::Rgb(..) | Color::Indexed(_)),
                "ansi16 role {} uses {color:?}",
                role.name()
            );
        }
    }
}

#[test]
fn a_user_theme_overrides_only_what_it_names() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dark.toml"), "[roles]\nbid = { fg = \"blue\" }\n").unwrap();
    let base = Theme::load("dark", None, false).unwrap();
    let user = Theme::load("dark", Some(dir.path()), false).unwrap();
    assert_eq!(user.style(Role::Bid).fg, Some(Color::Blue));
    for role in Role::ALL.iter().filter(|r| **r != Role::Bid) {
        assert_eq!(user.style(*role), base.style(*role), "role {} changed", role.name());
    }

    // A new theme name extends a shipped one; a field it names replaces only that field.
    std::fs::write(
        dir.path().join("mine.toml"),
        "extends = \"high-contrast\"\n[roles]\nlive = { bg = \"#800000\" }\n",
    )
    .unwrap();
    let mine = Theme::load("mine", Some(dir.path()), false).unwrap();
    let hc = Theme::load("high-contrast", None, false).unwrap();
    assert_eq!(mine.style(Role::Live).bg, Some(Color::Rgb(0x80, 0, 0)));
    assert_eq!(mine.style(Role::Live).fg, hc.style(Role::Live).fg);
    assert!(mine.style(Role::Live).add_modifier.contains(Modifier::BOLD));
    assert_eq!(mine.style(Role::Ask), hc.style(Role::Ask));
}

#[test]
fn theme_errors_are_clear() {
    let err = Theme::load("solarized", None, false).unwrap_err().to_string();
    assert!(err.contains("unknown theme \"solarized\"") && err.contains("high-contrast"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), "[roles]\nbid = { fg = \"chartreuse-ish\" }\n").unwrap();
    let err = Theme::load("bad", Some(dir.path()), false).unwrap_err().to_string();
    assert!(err.contains("bid") && err.contains("bad colour \"chartreuse-ish\""), "{err}");

    std::fs::write(dir.path().join("typo.toml"), "[roles]\nbidd = { fg = \"red\" }\n").unwrap();
    let err = Theme::load("typo", Some(dir.path()), false).unwrap_err().to_string();
    assert!(err.contains("unknown role \"bidd\""), "{err}");

    std::fs::write(dir.path().join("field.toml"), "[roles]\nbid = { colour = \"red\" }\n").unwrap();
    let err = Theme::load("field", Some(dir.path()), false).unwrap_err();
    assert!(matches!(err, TuiError::BadTheme { .. }), "{err}");

    std::fs::write(dir.path().join("loop.toml"), "extends = \"loop\"\n").unwrap();
    let err = Theme::load("loop", Some(dir.path()), false).unwrap_err().to_string();
    assert!(err.contains("too deep"), "{err}");
}

#[test]
fn no_color_strips_colours_and_keeps_modifiers() {
    for (name, _) in EMBEDDED_THEMES {
        let theme = Theme::load(name, None, true).unwrap();
        for role in Role::ALL {
            let style = theme.style(*role);
            assert_eq!((style.fg, style.bg), (None, None), "{name}/{}", role.name());
        }
        // Badges that stood out by background colour are reversed instead.
        assert!(theme.style(Role::Live).add_modifier.contains(Modifier::REVERSED), "{name}");
        assert!(theme.style(Role::Fail).add_modifier.contains(Modifier::BOLD), "{name}");
    }
    assert!(no_color_requested(Some(OsStr::new("1"))));
    assert!(!no_color_requested(Some(OsStr::new(""))), "empty NO_COLOR means unset");
    assert!(!no_color_requested(None));
}

#[test]
fn default_keymap_loads_and_every_binding_is_described() {
    let keymap = Keymap::load(&KeyOverrides::default()).unwrap();
    for mode in [Mode::Normal, Mode::Ticket, Mode::Modal] {
        assert!(!keymap.bindings(mode).is_empty());
        for b in keymap.bindings(mode) {
            assert!(!b.desc.is_empty(), "{b:?}");
        }
    }
    let shifted_c = KeyEvent::new(KeyCode::Char('C'), KeyModifiers::SHIFT);
    assert_eq!(keymap.action(Mode::Normal, &shifted_c), Some(Action::CancelAll));
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(keymap.action(Mode::Normal, &ctrl_c), Some(Action::Quit));
    let backtab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(keymap.action(Mode::Normal, &backtab), Some(Action::FocusPrev));
}

#[test]
fn an_override_takes_the_key_away_from_its_old_action() {
    let overrides: KeyOverrides =
        toml::from_str("[[normal]]\nkeys = [\"c\"]\naction = \"cancel_all\"\ndesc = \"Cancel everything\"\n")
            .unwrap();
    let keymap = Keymap::load(&overrides).unwrap();
    let c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE);
    assert_eq!(keymap.action(Mode::Normal, &c), Some(Action::CancelAll));
    assert!(keymap.key_for(Mode::Normal, Action::CancelOrder).is_none(), "c was its only key");
    let help: Vec<_> = keymap.bindings(Mode::Normal).iter().map(|b| b.desc.as_str()).collect();
    assert!(help.contains(&"Cancel everything"));
}

#[test]
fn keymap_errors_are_clear() {
    let bad_key: KeyOverrides =
        toml::from_str("[[normal]]\nkeys = [\"hyper-x\"]\naction = \"quit\"\n").unwrap();
    let err = Keymap::load(&bad_key).unwrap_err().to_string();
    assert!(err.contains("[normal]") && err.contains("invalid key \"hyper-x\""), "{err}");

    let wrong_mode: KeyOverrides = toml::from_str("[[ticket]]\nkeys = [\"x\"]\naction = \"buy\"\n").unwrap();
    let err = Keymap::load(&wrong_mode).unwrap_err().to_string();
    assert!(err.contains("not available in ticket mode"), "{err}");

    let unknown = toml::from_str::<KeyOverrides>("[[normal]]\nkeys = [\"x\"]\naction = \"withdraw\"\n");
    assert!(unknown.unwrap_err().to_string().contains("withdraw"));

    for bad in ["", "shift-a", "f13", "ctrl-", "\u{7}"] {
        assert!(bad.parse::<KeySpec>().is_err(), "{bad:?} should be refused");
    }
    for good in ["q", "C", "?", "-", "ctrl-c", "alt-x", "shift-tab", "enter", "f5", "space", "pagedown"] {
        let spec: KeySpec = good.parse().unwrap();
        assert_eq!(spec.to_string().parse::<KeySpec>().unwrap(), spec, "{good} round-trips");
    }
}

#[test]
fn tui_config_defaults_and_shipped_sample_parse() {
    let empty: TuiConfig = toml::from_str("").unwrap();
    assert_eq!(empty, TuiConfig::default());
    assert_eq!(empty.theme, "dark");

    let sample = r#"
        theme = "ansi16"
        [[keys.normal]]
        keys = ["x"]
        action = "cancel_order"
    "#;
    let config: TuiConfig = toml::from_str(sample).unwrap();
    assert_eq!(config.theme, "ansi16");
    // The autonomy budget lives in the top-level [autonomy] section, not under [tui].
    assert!(toml::from_str::<TuiConfig>("[autonomy]\nmax_orders = 3\n").is_err());
    Keymap::load(&config.keys).unwrap();

    let err = toml::from_str::<TuiConfig>("them = \"dark\"\n").unwrap_err().to_string();
    assert!(err.contains("them"), "{err}");
    // The shipped defaults round-trip through the config shape.
    let text = toml::to_string(&TuiConfig::default()).unwrap();
    assert_eq!(toml::from_str::<TuiConfig>(&text).unwrap(), TuiConfig::default());
}

/// The README's key table must list every binding the keymap ships with.
#[test]
fn readme_documents_every_default_binding() {
    let readme = include_str!("../README.md");
    let keymap = include_str!("../src/tui/keymap-default.toml");
    let missing: Vec<&str> = keymap
        .lines()
        .filter_map(|l| l.strip_prefix("desc = \""))
        .map(|d| d.trim_end_matches('"'))
        .filter(|desc| !readme.contains(desc))
        .collect();
    assert!(missing.is_empty(), "README.md lacks bindings: {missing:?}");
}
