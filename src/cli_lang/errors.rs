//! Usage errors in French or English, rendered by their kind from the parts clap keeps in the
//! error (`Error::get(ContextKind::…)`), laid out as clap's own `RichFormatter` lays them out.
//! The English words are clap's, so the English rendering is clap's, byte for byte (a test
//! compares them).

use std::fmt::Write as _;

use clap::builder::StyledStr;
use clap::builder::styling::{Style, Styles};
use clap::error::{ContextKind, ContextValue, Error, ErrorFormatter, ErrorKind};

use super::texts::{self, Messages, Texts, fill};
use crate::lang::Lang;

/// Renders errors in French.
pub struct French;

/// Renders errors in English, as clap does.
pub struct English;

impl ErrorFormatter for French {
    fn format_error(error: &Error<Self>) -> StyledStr {
        render(error, Lang::Fr)
    }
}

impl ErrorFormatter for English {
    fn format_error(error: &Error<Self>) -> StyledStr {
        render(error, Lang::En)
    }
}

/// clap's indentation under an error.
const TAB: &str = "  ";

/// The styles of clap's messages: the command's are clap's defaults.
struct Look {
    error: Style,
    valid: Style,
    invalid: Style,
    literal: Style,
}

fn styled(text: &str, style: Style) -> String {
    format!("{style}{text}{style:#}")
}

/// A template filled with parts in their styles.
fn fill_styled(template: &str, parts: &[(&str, &str, Style)]) -> String {
    let parts: Vec<(&str, String)> = parts
        .iter()
        .map(|(name, text, style)| (*name, styled(text, *style)))
        .collect();
    let parts: Vec<(&str, &str)> = parts.iter().map(|(n, v)| (*n, v.as_str())).collect();
    fill(template, &parts)
}

pub(super) fn render<F: ErrorFormatter>(error: &Error<F>, lang: Lang) -> StyledStr {
    let Some(t) = texts::get() else {
        // Without the texts (never in a released build: a test reads them), clap's own words.
        let mut out = StyledStr::new();
        out.push_str(&format!("error: {}\n", error.kind()));
        return out;
    };
    let m = match lang {
        Lang::Fr => &t.errors.fr,
        Lang::En => &t.errors.en,
    };
    let styles = Styles::styled();
    let look = Look {
        error: *styles.get_error(),
        valid: *styles.get_valid(),
        invalid: *styles.get_invalid(),
        literal: *styles.get_literal(),
    };
    let mut out = String::new();
    let _ = write!(out, "{} ", styled(&m.error, look.error));

    if !dynamic_context(error, &mut out, m, &look, t, lang) {
        match kind_message(error.kind(), t, lang) {
            Some(msg) => out.push_str(&msg),
            None => match std::error::Error::source(error) {
                Some(source) => out.push_str(&translate_validation(&source.to_string(), t, lang)),
                None => out.push_str(&m.unknown_cause),
            },
        }
    }

    let mut suggested = false;
    for (kind, one, many) in [
        (
            ContextKind::SuggestedSubcommand,
            &m.similar_subcommand,
            &m.similar_subcommands,
        ),
        (
            ContextKind::SuggestedArg,
            &m.similar_argument,
            &m.similar_arguments,
        ),
        (
            ContextKind::SuggestedValue,
            &m.similar_value,
            &m.similar_values,
        ),
    ] {
        let Some(value) = error.get(kind) else {
            continue;
        };
        out.push('\n');
        if !suggested {
            out.push('\n');
            suggested = true;
        }
        did_you_mean(&mut out, m, &look, one, many, value);
    }
    if let Some(ContextValue::StyledStrs(suggestions)) = error.get(ContextKind::Suggested) {
        if !suggested {
            out.push('\n');
        }
        for suggestion in suggestions {
            let _ = write!(out, "\n{TAB}{} ", styled(&m.tip, look.valid));
            out.push_str(&translate_suggestion(suggestion, t, &look, lang));
        }
    }

    if let Some(ContextValue::StyledStr(usage)) = error.get(ContextKind::Usage) {
        out.push_str("\n\n");
        let usage = usage.ansi().to_string();
        match lang {
            Lang::En => out.push_str(&usage),
            Lang::Fr => out.push_str(&usage.replacen(&t.errors.en.usage, &m.usage, 1)),
        }
    }

    // The errors of parsing always come with the command, whose help flag is `--help`.
    let help = styled("--help", look.literal);
    let _ = write!(out, "\n\n{}\n", fill(&m.try_help, &[("help", &help)]));
    StyledStr::from(out)
}

/// The message of an error of that kind when clap gave no detail.
fn kind_message(kind: ErrorKind, t: &Texts, lang: Lang) -> Option<String> {
    let english = kind.as_str()?;
    Some(match lang {
        Lang::En => english.to_string(),
        Lang::Fr => t
            .errors
            .kinds_fr
            .get(&format!("{kind:?}"))
            .cloned()
            .unwrap_or_else(|| english.to_string()),
    })
}

/// The message for the error's kind from its parts; false when the parts are not there.
fn dynamic_context<F: ErrorFormatter>(
    error: &Error<F>,
    out: &mut String,
    m: &Messages,
    look: &Look,
    t: &Texts,
    lang: Lang,
) -> bool {
    let string = |kind| match error.get(kind) {
        Some(ContextValue::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let number = |kind| match error.get(kind) {
        Some(ContextValue::Number(n)) => Some(*n),
        _ => None,
    };
    match error.kind() {
        ErrorKind::ArgumentConflict => {
            let mut prior = error.get(ContextKind::PriorArg);
            if let Some(arg) = string(ContextKind::InvalidArg) {
                if prior == Some(&ContextValue::String(arg.to_string())) {
                    prior = None;
                    out.push_str(&fill_styled(
                        &m.conflict_repeated,
                        &[("arg", arg, look.invalid)],
                    ));
                } else {
                    out.push_str(&fill_styled(&m.conflict, &[("arg", arg, look.invalid)]));
                }
            } else if let Some(sub) = string(ContextKind::InvalidSubcommand) {
                out.push_str(&fill_styled(
                    &m.conflict_subcommand,
                    &[("arg", sub, look.invalid)],
                ));
            } else {
                out.push_str(&kind_message(error.kind(), t, lang).unwrap_or_default());
            }
            match prior {
                Some(ContextValue::Strings(values)) => {
                    out.push_str(&m.colon);
                    for v in values {
                        let _ = write!(out, "\n{TAB}{}", styled(v, look.invalid));
                    }
                }
                Some(ContextValue::String(value)) => {
                    let _ = write!(out, " {}", quote(m, &styled(value, look.invalid)));
                }
                Some(_) => {
                    let _ = write!(out, " {}", m.conflict_others);
                }
                None => {}
            }
            true
        }
        ErrorKind::NoEquals => match string(ContextKind::InvalidArg) {
            Some(arg) => {
                out.push_str(&fill_styled(&m.no_equals, &[("arg", arg, look.invalid)]));
                true
            }
            None => false,
        },
        ErrorKind::InvalidValue => {
            let (Some(arg), Some(value)) = (
                string(ContextKind::InvalidArg),
                string(ContextKind::InvalidValue),
            ) else {
                return false;
            };
            if value.is_empty() {
                out.push_str(&fill_styled(
                    &m.value_required,
                    &[("arg", arg, look.invalid)],
                ));
            } else {
                out.push_str(&fill_styled(
                    &m.invalid_value,
                    &[("value", value, look.invalid), ("arg", arg, look.literal)],
                ));
            }
            values_list(
                out,
                &m.possible_values,
                look,
                error.get(ContextKind::ValidValue),
            );
            true
        }
        ErrorKind::InvalidSubcommand => match string(ContextKind::InvalidSubcommand) {
            Some(sub) => {
                out.push_str(&fill_styled(
                    &m.unrecognized_subcommand,
                    &[("arg", sub, look.invalid)],
                ));
                true
            }
            None => false,
        },
        ErrorKind::MissingRequiredArgument => match error.get(ContextKind::InvalidArg) {
            Some(ContextValue::Strings(args)) => {
                out.push_str(&m.missing_required);
                for arg in args {
                    let _ = write!(out, "\n{TAB}{}", styled(arg, look.valid));
                }
                true
            }
            _ => false,
        },
        ErrorKind::MissingSubcommand => match string(ContextKind::InvalidSubcommand) {
            Some(sub) => {
                out.push_str(&fill_styled(
                    &m.missing_subcommand,
                    &[("arg", sub, look.invalid)],
                ));
                values_list(
                    out,
                    &m.subcommands,
                    look,
                    error.get(ContextKind::ValidSubcommand),
                );
                true
            }
            None => false,
        },
        ErrorKind::TooManyValues => {
            let (Some(arg), Some(value)) = (
                string(ContextKind::InvalidArg),
                string(ContextKind::InvalidValue),
            ) else {
                return false;
            };
            out.push_str(&fill_styled(
                &m.too_many_values,
                &[("value", value, look.invalid), ("arg", arg, look.literal)],
            ));
            true
        }
        ErrorKind::TooFewValues => {
            let (Some(arg), Some(actual), Some(min)) = (
                string(ContextKind::InvalidArg),
                number(ContextKind::ActualNumValues),
                number(ContextKind::MinValues),
            ) else {
                return false;
            };
            let template = if actual > 1 {
                &m.too_few_values_many
            } else {
                &m.too_few_values_one
            };
            out.push_str(&fill_styled(
                template,
                &[
                    ("min", &min.to_string(), look.valid),
                    ("arg", arg, look.literal),
                    ("actual", &actual.to_string(), look.invalid),
                ],
            ));
            true
        }
        ErrorKind::ValueValidation => {
            let (Some(arg), Some(value)) = (
                string(ContextKind::InvalidArg),
                string(ContextKind::InvalidValue),
            ) else {
                return false;
            };
            out.push_str(&fill_styled(
                &m.invalid_value,
                &[("value", value, look.invalid), ("arg", arg, look.literal)],
            ));
            if let Some(source) = std::error::Error::source(error) {
                let why = translate_validation(&source.to_string(), t, lang);
                let _ = write!(out, "{} {why}", m.colon);
            }
            true
        }
        ErrorKind::WrongNumberOfValues => {
            let (Some(arg), Some(actual), Some(expected)) = (
                string(ContextKind::InvalidArg),
                number(ContextKind::ActualNumValues),
                number(ContextKind::ExpectedNumValues),
            ) else {
                return false;
            };
            let template = if actual > 1 {
                &m.wrong_number_many
            } else {
                &m.wrong_number_one
            };
            out.push_str(&fill_styled(
                template,
                &[
                    ("expected", &expected.to_string(), look.valid),
                    ("arg", arg, look.literal),
                    ("actual", &actual.to_string(), look.invalid),
                ],
            ));
            true
        }
        ErrorKind::UnknownArgument => match string(ContextKind::InvalidArg) {
            Some(arg) => {
                out.push_str(&fill_styled(
                    &m.unknown_argument,
                    &[("arg", arg, look.invalid)],
                ));
                true
            }
            None => false,
        },
        _ => false,
    }
}

fn quote(m: &Messages, text: &str) -> String {
    fill(&m.quote, &[("x", text)])
}

/// `\n  [possible values: a, b]` under the message.
fn values_list(out: &mut String, template: &str, look: &Look, values: Option<&ContextValue>) {
    let Some(ContextValue::Strings(values)) = values else {
        return;
    };
    if values.is_empty() {
        return;
    }
    let names: Vec<String> = values
        .iter()
        .map(|v| {
            // As clap escapes a value: quoted when it holds a space.
            let shown = if v.contains(char::is_whitespace) {
                format!("{v:?}")
            } else {
                v.clone()
            };
            styled(&shown, look.valid)
        })
        .collect();
    let _ = write!(
        out,
        "\n{TAB}{}",
        fill(template, &[("values", &names.join(", "))])
    );
}

/// `  tip: a similar argument exists: '--proto'`.
fn did_you_mean(
    out: &mut String,
    m: &Messages,
    look: &Look,
    one: &str,
    many: &str,
    value: &ContextValue,
) {
    let _ = write!(out, "{TAB}{}", styled(&m.tip, look.valid));
    let (template, names): (&str, Vec<&str>) = match value {
        ContextValue::String(s) => (one, vec![s.as_str()]),
        ContextValue::Strings(v) if v.len() == 1 => (one, vec![v[0].as_str()]),
        ContextValue::Strings(v) => (many, v.iter().map(String::as_str).collect()),
        _ => return,
    };
    let list: Vec<String> = names
        .iter()
        .map(|n| quote(m, &styled(n, look.valid)))
        .collect();
    let _ = write!(out, " {}", fill(template, &[("list", &list.join(", "))]));
}

/// clap's advice (written in English with its styles): as it is in English, translated when
/// it is one that `texts.toml` knows.
fn translate_suggestion(suggestion: &StyledStr, t: &Texts, look: &Look, lang: Lang) -> String {
    if lang == Lang::Fr {
        let plain = suggestion.to_string();
        for pair in &t.errors.suggestions {
            if let Some(parts) = texts::parse(&pair.en, &plain) {
                let parts: Vec<(&str, &str, Style)> = parts
                    .iter()
                    .map(|(name, text)| {
                        let style = if name == "arg" {
                            look.invalid
                        } else {
                            look.valid
                        };
                        (name.as_str(), *text, style)
                    })
                    .collect();
                return fill_styled(&pair.fr, &parts);
            }
        }
    }
    suggestion.ansi().to_string()
}

/// Why a value was refused: as the parser said it, or in French when `texts.toml` knows it.
pub fn translate_validation(why: &str, t: &Texts, lang: Lang) -> String {
    if lang == Lang::Fr {
        for pair in &t.errors.validation {
            if let Some(parts) = texts::parse(&pair.en, why) {
                let parts: Vec<(&str, &str)> =
                    parts.iter().map(|(n, v)| (n.as_str(), *v)).collect();
                return fill(&pair.fr, &parts);
            }
        }
    }
    why.to_string()
}
