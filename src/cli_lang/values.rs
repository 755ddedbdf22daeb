//! The possible values of an argument, described in French.
//!
//! clap takes a value's description from the argument's value parser, which the derive makes
//! from the enum (`ValueEnum`) and its doc comments. In French the parser is replaced by one
//! that parses the same enum the same way and describes its values from `texts.toml`: the
//! help pages and the completion scripts of zsh and fish then say them in French.

use std::marker::PhantomData;

use clap::builder::{EnumValueParser, PossibleValue, TypedValueParser, ValueParser};
use clap::{Arg, ValueEnum};

use super::texts::{ArgText, Texts};

/// `arg` with its values described in French, when its value parser is that of one of the
/// command line's enums.
pub fn translate(arg: Arg, text: &ArgText, t: &Texts) -> Arg {
    macro_rules! enums {
        ($($e:ty),* $(,)?) => {
            $(if is_parser_of::<$e>(&arg) {
                return with_french::<$e>(arg, text, t);
            })*
        };
    }
    enums!(
        crate::kinds::Service,
        crate::kinds::Mode,
        crate::kinds::Proto,
        crate::kinds::Client,
        crate::trace::Format,
        crate::explain::ExplainMode,
        crate::cli::ColorChoice,
        crate::lang::Lang,
        crate::bench::pattern::Payload,
        crate::bench::workloads::Workload,
        clap_complete::Shell,
    );
    arg
}

fn is_parser_of<E: ValueEnum + Clone + Send + Sync + 'static>(arg: &Arg) -> bool {
    arg.get_value_parser().type_id() == ValueParser::new(EnumValueParser::<E>::new()).type_id()
}

fn with_french<E: ValueEnum + Clone + Send + Sync + 'static>(
    arg: Arg,
    text: &ArgText,
    t: &Texts,
) -> Arg {
    let values = E::value_variants()
        .iter()
        .filter_map(ValueEnum::to_possible_value)
        .map(|v| match t.value(text, v.get_name()) {
            Some(french) => v.help(french.to_string()),
            None => v,
        })
        .collect();
    arg.value_parser(French::<E> {
        values,
        enum_: PhantomData,
    })
}

/// Parses like clap's parser of `E`, and describes the values in French.
#[derive(Clone)]
struct French<E> {
    values: Vec<PossibleValue>,
    enum_: PhantomData<E>,
}

impl<E: ValueEnum + Clone + Send + Sync + 'static> TypedValueParser for French<E> {
    type Value = E;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<E, clap::Error> {
        EnumValueParser::<E>::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.values.iter().cloned()))
    }
}
