//! The language of everything a user reads: annotations, messages, exercise statements.

/// French or English, chosen by `--lang` or, by default, by the locale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    Fr,
    #[default]
    En,
}

impl Lang {
    /// The default language from the locale: `LC_ALL`, then `LC_MESSAGES`, then `LANG`, as the
    /// C library reads them. A value starting with `fr` gives French, anything else English.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var) {
                if v.is_empty() {
                    continue;
                }
                return Lang::from_locale(&v);
            }
        }
        Lang::En
    }

    /// The language a locale name (`fr_FR.UTF-8`, `C`) stands for.
    pub fn from_locale(locale: &str) -> Lang {
        if locale.starts_with("fr") {
            Lang::Fr
        } else {
            Lang::En
        }
    }

    /// Picks the French or the English text.
    pub fn pick<'a>(self, fr: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_picks_french_only_for_fr() {
        assert_eq!(Lang::from_locale("fr_FR.UTF-8"), Lang::Fr);
        assert_eq!(Lang::from_locale("fr_CA"), Lang::Fr);
        assert_eq!(Lang::from_locale("C.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("en_US"), Lang::En);
        assert_eq!(Lang::Fr.pick("oui", "yes"), "oui");
        assert_eq!(Lang::En.pick("oui", "yes"), "yes");
    }
}
