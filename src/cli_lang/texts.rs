//! The texts of `texts.toml`, read once.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// Everything `texts.toml` holds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    pub help: HelpWords,
    pub value_names: BTreeMap<String, String>,
    /// English custom help headings (`help_heading`) and their French.
    #[serde(default)]
    pub headings: BTreeMap<String, String>,
    pub man: BTreeMap<String, String>,
    pub commands: BTreeMap<String, CommandText>,
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    pub errors: ErrorTexts,
}

/// What clap writes itself in a help page, in French.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelpWords {
    pub usage: String,
    pub commands: String,
    pub arguments: String,
    pub options: String,
    pub values: String,
    pub default: String,
    pub possible: String,
    pub help_flag: String,
    pub help_flag_more: String,
    pub help_flag_summary: String,
    pub version_flag: String,
    pub help_command: String,
    pub help_command_arg: String,
    pub command_value_name: String,
}

/// A command's French texts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandText {
    pub about: String,
    pub long_about: Option<String>,
    pub after_help: Option<String>,
    #[serde(default)]
    pub args: BTreeMap<String, ArgText>,
}

/// An argument's French texts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArgText {
    pub help: String,
    pub long_help: Option<String>,
    /// The table of [`Texts::values`] that describes its possible values.
    pub values: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorTexts {
    pub en: Messages,
    pub fr: Messages,
    /// By the name of the `ErrorKind` variant.
    pub kinds_fr: BTreeMap<String, String>,
    pub suggestions: Vec<Pair>,
    pub validation: Vec<Pair>,
}

/// An English text as clap or a parser writes it, and its French.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pair {
    pub en: String,
    pub fr: String,
}

/// The words of a usage error in one language.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Messages {
    pub error: String,
    pub tip: String,
    pub usage: String,
    pub try_help: String,
    pub quote: String,
    pub colon: String,
    pub unknown_cause: String,
    pub conflict_repeated: String,
    pub conflict: String,
    pub conflict_subcommand: String,
    pub conflict_others: String,
    pub no_equals: String,
    pub value_required: String,
    pub invalid_value: String,
    pub possible_values: String,
    pub subcommands: String,
    pub unrecognized_subcommand: String,
    pub missing_required: String,
    pub missing_subcommand: String,
    pub too_many_values: String,
    pub too_few_values_one: String,
    pub too_few_values_many: String,
    pub wrong_number_one: String,
    pub wrong_number_many: String,
    pub unknown_argument: String,
    pub similar_argument: String,
    pub similar_arguments: String,
    pub similar_subcommand: String,
    pub similar_subcommands: String,
    pub similar_value: String,
    pub similar_values: String,
}

const SOURCE: &str = include_str!("texts.toml");

/// The texts, or the reason `texts.toml` does not read (a test makes sure it does).
pub fn load() -> Result<&'static Texts, &'static str> {
    static TEXTS: OnceLock<Result<Texts, String>> = OnceLock::new();
    TEXTS
        .get_or_init(|| toml::from_str(SOURCE).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(String::as_str)
}

/// The texts; `None` only if `texts.toml` were broken, and then everything stays in English.
pub fn get() -> Option<&'static Texts> {
    load().ok()
}

impl Texts {
    /// The key of a command in [`Texts::commands`]: its path of names below the program,
    /// joined by spaces, or the program's own name.
    pub fn key(program: &str, path: &[&str]) -> String {
        if path.is_empty() {
            program.to_string()
        } else {
            path.join(" ")
        }
    }

    pub fn command(&self, program: &str, path: &[&str]) -> Option<&CommandText> {
        self.commands.get(&Texts::key(program, path))
    }

    pub fn arg(&self, program: &str, path: &[&str], id: &str) -> Option<&ArgText> {
        self.command(program, path)?.args.get(id)
    }

    /// The French help of a possible value of an argument.
    pub fn value(&self, arg: &ArgText, value: &str) -> Option<&str> {
        let table = self.values.get(arg.values.as_deref()?)?;
        table.get(value).map(String::as_str)
    }
}

/// Fills `{name}` in `template` with the values of `parts`; a `{…}` not among them stays.
pub fn fill(template: &str, parts: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let name = &after[..close];
        match parts.iter().find(|(n, _)| *n == name) {
            Some((_, value)) => out.push_str(value),
            None => out.push_str(&rest[open..open + close + 2]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Matches `text` against `template` (literal text and `{name}` parts) and returns the parts.
/// Each part takes the shortest text up to the literal that follows it; the last part, when
/// the template ends with one, takes the rest. The whole text must be used.
pub fn parse<'t>(template: &str, text: &'t str) -> Option<Vec<(String, &'t str)>> {
    let mut parts = Vec::new();
    let mut rest = text;
    let mut tpl = template;
    loop {
        let Some(open) = tpl.find('{') else {
            return (rest == tpl).then_some(parts);
        };
        rest = rest.strip_prefix(&tpl[..open])?;
        let after = &tpl[open + 1..];
        let close = after.find('}')?;
        let name = after[..close].to_string();
        tpl = &after[close + 1..];
        let literal_end = tpl.find('{').unwrap_or(tpl.len());
        let literal = &tpl[..literal_end];
        let value = if literal.is_empty() {
            if literal_end != tpl.len() {
                // Two parts side by side cannot be told apart.
                return None;
            }
            std::mem::take(&mut rest)
        } else {
            let at = rest.find(literal)?;
            let value = &rest[..at];
            rest = &rest[at..];
            value
        };
        if value.is_empty() {
            return None;
        }
        parts.push((name, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_texts_read() {
        let texts = load().unwrap_or_else(|e| panic!("texts.toml: {e}"));
        assert!(texts.commands.contains_key("socklab"));
    }

    #[test]
    fn templates_fill_and_parse() {
        assert_eq!(
            fill(
                "valeur « {value} » pour « {arg} »",
                &[("value", "x"), ("arg", "--port")]
            ),
            "valeur « x » pour « --port »"
        );
        assert_eq!(fill("{unknown} {a}", &[("a", "1")]), "{unknown} 1");
        let parts = parse(
            "{value} is not in {min}..={max}",
            "70000 is not in 0..=65535",
        )
        .unwrap();
        assert_eq!(
            parts,
            vec![
                ("value".to_string(), "70000"),
                ("min".to_string(), "0"),
                ("max".to_string(), "65535")
            ]
        );
        assert!(parse("{value} is not in {min}..={max}", "invalid digit").is_none());
        assert_eq!(
            parse("invalid float literal", "invalid float literal"),
            Some(vec![])
        );
        let parts = parse("'{fix}' exists", "'serve --port' exists").unwrap();
        assert_eq!(parts, vec![("fix".to_string(), "serve --port")]);
        assert!(parse("'{fix}' exists", "'x' exists; more").is_none());
    }
}
