//! The command line in French and English, as a user sees it: `--help` and usage errors in the
//! locale's language or `--lang`'s, a French text for every command and argument, the shell
//! completions (bash's driven as bash drives them) and the manual page.

use std::process::{Command, Output};

use clap::CommandFactory;
use socklab::cli::Cli;
use socklab::cli_lang::french_texts;

/// Runs socklab with `LANG=lang` (and no other locale variable) and `args`.
fn socklab(lang: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_socklab"))
        .args(args)
        .env("LANG", lang)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("COLUMNS")
        .output()
        .expect("socklab runs")
}

/// What was printed, non-breaking spaces (French typography in the help) as spaces.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace('\u{a0}', " ")
}

/// What clap writes in English by itself, none of which a French page may show.
const ENGLISH_WORDS: &[&str] = &[
    "Usage:",
    "Commands:",
    "Options:",
    "Arguments:",
    "Print help",
    "Print version",
    "[default:",
    "[possible values:",
    "Possible values:",
    "Examples:",
    "error:",
    "For more information",
];

fn assert_no_english(page: &str, what: &str) {
    for word in ENGLISH_WORDS {
        assert!(!page.contains(word), "{what}: English `{word}` in\n{page}");
    }
}

#[test]
fn help_is_french_under_a_french_locale() {
    let out = socklab("fr_FR.UTF-8", &["--help"]);
    assert!(out.status.success());
    let page = text(&out.stdout);
    for french in [
        "socklab : la programmation des sockets, appel par appel.",
        "Utilisation : socklab [OPTIONS] <COMMANDE>",
        "Commandes :",
        "Options :",
        "  serve        Lancer un serveur des TP, tracé",
        "Afficher ce message ou l'aide des commandes données",
        "Écrire la trace dans ce fichier au lieu de stderr",
        "Valeurs possibles :",
        "- pretty : En couleurs, une ligne par appel avec une explication dessous",
        "[par défaut : pretty]",
        "[valeurs possibles : fr, en]",
        "Afficher l'aide (un résumé avec « -h »)",
        "Afficher la version",
        "Exemples :",
        "Codes de sortie :",
        "port inférieur à 1024",
    ] {
        assert!(page.contains(french), "`{french}` missing from\n{page}");
    }
    assert_no_english(&page, "socklab --help");

    let out = socklab("fr_FR.UTF-8", &["-h"]);
    let summary = text(&out.stdout);
    assert!(summary.contains("Afficher l'aide (plus de détails avec « --help »)"));
    assert!(
        summary.contains("[valeurs possibles : pretty, strace, json, off]"),
        "{summary}"
    );
    assert_no_english(&summary, "socklab -h");
}

#[test]
fn serve_help_is_french() {
    let out = socklab("fr_FR.UTF-8", &["serve", "--help"]);
    assert!(out.status.success());
    let page = text(&out.stdout);
    for french in [
        "Lancer un serveur des TP, tracé",
        "Utilisation : socklab serve [OPTIONS] <SERVICE>",
        "Arguments :",
        "Le service à offrir",
        "- echo :    RFC 862 : renvoie exactement les octets qu'il reçoit",
        "--host <HÔTE>",
        "[par défaut : 127.0.0.1]",
        "inférieur à 1024 demande root ou CAP_NET_BIND_SERVICE",
        "Un thread veilleur accepte ; chaque connexion a son propre thread exécutant",
        "Exemples :",
    ] {
        assert!(page.contains(french), "`{french}` missing from\n{page}");
    }
    assert_no_english(&page, "socklab serve --help");
    // `help serve` is the same page.
    let out = socklab("fr_FR.UTF-8", &["help", "serve"]);
    assert_eq!(text(&out.stdout), page);
}

/// Every command's `-h` and `--help`, with `--lang fr` from an English locale, anywhere on the
/// line: nothing clap writes in English is left, in the commands to come too.
#[test]
fn every_page_is_french_with_lang_fr() {
    let cmd = Cli::command();
    let mut names: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
    names.push("");
    for name in names {
        for flag in ["-h", "--help"] {
            let mut args = vec!["--lang", "fr"];
            if !name.is_empty() {
                args.push(name);
            }
            args.push(flag);
            let out = socklab("C", &args);
            assert!(out.status.success(), "socklab {args:?}");
            let page = text(&out.stdout);
            assert!(page.contains("Utilisation : socklab"), "{args:?}:\n{page}");
            assert_no_english(&page, &format!("socklab {}", args.join(" ")));
        }
    }
    let out = socklab("C", &["serve", "--help", "--lang=fr"]);
    assert!(text(&out.stdout).contains("Le service à offrir"));
}

#[test]
fn usage_errors_are_french_under_a_french_locale() {
    let out = socklab("fr_FR.UTF-8", &["serve", "nosuchservice"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(
        err.starts_with("erreur : valeur « nosuchservice » invalide pour « <SERVICE> »\n"),
        "{err}"
    );
    assert!(err.contains("[valeurs possibles : echo, daytime, message, relay, chat, http]"));
    assert!(
        err.contains("Pour en savoir plus, essayez « --help »."),
        "{err}"
    );
    assert_no_english(&err, "socklab serve nosuchservice");

    let out = socklab("fr_FR.UTF-8", &["--zzz"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert_eq!(
        err,
        "erreur : argument inattendu : « --zzz »\n\n\
         Utilisation : socklab [OPTIONS] <COMMANDE>\n\n\
         Pour en savoir plus, essayez « --help ».\n"
    );

    let out = socklab("fr_FR.UTF-8", &["serve", "echo", "--prot", "udp"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("astuce : un argument semblable existe : « --proto »"),
        "{err}"
    );

    let out = socklab("fr_FR.UTF-8", &["connect", "echo", "--timeout", "zz"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "valeur « zz » invalide pour « --timeout <SECONDES> » : « zz » n'est pas un nombre de secondes"
        ),
        "{err}"
    );
}

#[test]
fn lang_en_and_an_english_locale_give_english() {
    for (lang, args) in [
        ("fr_FR.UTF-8", vec!["--lang", "en", "--help"]),
        ("fr_FR.UTF-8", vec!["--help", "--lang=en"]),
        ("C", vec!["--help"]),
    ] {
        let out = socklab(lang, &args);
        assert!(out.status.success());
        let page = text(&out.stdout);
        assert!(
            page.contains("Usage: socklab [OPTIONS] <COMMAND>"),
            "{page}"
        );
        assert!(page.contains("Commands:\n  serve        Run a server from the labs, traced"));
        assert!(page.contains("[default: pretty]"));
        assert!(!page.contains("Utilisation"));
    }
    let out = socklab("fr_FR.UTF-8", &["--lang", "en", "--zzz"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("error: unexpected argument '--zzz' found\n"),
        "{}",
        text(&out.stderr)
    );
    let out = socklab("C", &["serve", "nosuchservice"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.starts_with("error: invalid value 'nosuchservice' for '<SERVICE>'\n"));
    assert!(err.contains("[possible values: echo, daytime, message, relay, chat, http]"));
}

/// Every command and every argument of the command line has its French text in
/// `src/cli_lang/texts.toml`; so does every described value, every long description, every
/// block of examples. A new option without one fails here, named.
#[test]
fn every_command_and_argument_has_a_french_text() {
    french_texts::check().expect("texts.toml reads");
    let cmd = Cli::command();
    let program = cmd.get_name().to_string();
    let mut missing = Vec::new();
    walk(&cmd, &program, &mut Vec::new(), &mut missing);
    assert!(
        missing.is_empty(),
        "no French text in src/cli_lang/texts.toml for:\n  {}",
        missing.join("\n  ")
    );
}

fn walk(cmd: &clap::Command, program: &str, path: &mut Vec<String>, missing: &mut Vec<String>) {
    let names: Vec<&str> = path.iter().map(String::as_str).collect();
    let shown = if names.is_empty() {
        program.to_string()
    } else {
        format!("{program} {}", names.join(" "))
    };
    if french_texts::about(program, &names).is_none() {
        missing.push(format!("the command `{shown}`"));
    }
    if cmd.get_long_about().is_some() && !french_texts::has_long_about(program, &names) {
        missing.push(format!("the long description (long_about) of `{shown}`"));
    }
    if cmd.get_after_help().is_some() && !french_texts::has_after_help(program, &names) {
        missing.push(format!("the examples (after_help) of `{shown}`"));
    }
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        if arg.get_help().is_none() && arg.get_long_help().is_none() {
            continue;
        }
        if french_texts::arg(program, &names, id).is_none() {
            missing.push(format!("the argument `{id}` of `{shown}`"));
            continue;
        }
        for value in arg.get_possible_values() {
            if value.get_help().is_some()
                && french_texts::value(program, &names, id, value.get_name()).is_none()
            {
                missing.push(format!(
                    "the value `{}` of the argument `{id}` of `{shown}`",
                    value.get_name()
                ));
            }
        }
        if let Some(heading) = arg.get_help_heading()
            && french_texts::heading(heading).is_none()
        {
            missing.push(format!("the heading `{heading}` (of `{id}` in `{shown}`)"));
        }
    }
    for sub in cmd.get_subcommands() {
        path.push(sub.get_name().to_string());
        walk(sub, program, path, missing);
        path.pop();
    }
}

/// The other way round: no French text for a command or an argument that no longer exists.
#[test]
fn no_french_text_is_left_over() {
    let cmd = Cli::command();
    let program = cmd.get_name().to_string();
    let mut stale = Vec::new();
    for (key, arg) in french_texts::entries() {
        let command = if key == program {
            Some(&cmd)
        } else {
            key.split(' ')
                .try_fold(&cmd, |c, name| c.find_subcommand(name))
        };
        match (command, arg) {
            (None, _) => stale.push(format!("[commands.{key}]")),
            (Some(c), Some(id)) if !c.get_arguments().any(|a| a.get_id() == id.as_str()) => {
                stale.push(format!("[commands.{key}.args.{id}]"))
            }
            _ => {}
        }
    }
    assert!(
        stale.is_empty(),
        "texts.toml describes what is gone: {stale:?}"
    );
}

/// The bash script completes as bash completes: its function, registered with `complete -F`,
/// called with the words typed so far.
#[test]
fn bash_completes_commands_and_values() {
    let out = socklab("C", &["completions", "bash"]);
    assert!(out.status.success());
    let script = String::from_utf8(out.stdout).unwrap();
    let function = script
        .lines()
        .find_map(|l| l.trim().strip_prefix("complete -F "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the script registers a function")
        .to_string();
    let dir = std::env::temp_dir().join(format!("socklab-completion-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("socklab.bash");
    std::fs::write(&path, &script).unwrap();

    let complete = |line: &str| -> Vec<String> {
        let program = format!(
            r#"source "$1"
read -ra COMP_WORDS <<< "$2"
[[ "$2" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="$2"
COMP_POINT=${{#COMP_LINE}}
prev=""
(( COMP_CWORD > 0 )) && prev="${{COMP_WORDS[COMP_CWORD-1]}}"
{function} socklab "${{COMP_WORDS[COMP_CWORD]}}" "$prev"
printf '%s\n' "${{COMPREPLY[@]}}""#
        );
        let out = Command::new("bash")
            .args(["--norc", "--noprofile", "-c", &program, "bash"])
            .arg(&path)
            .arg(line)
            .output()
            .expect("bash runs");
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    assert_eq!(complete("socklab se"), ["serve"]);
    assert_eq!(complete("socklab serve e"), ["echo"]);
    assert!(complete("socklab serve echo --pro").contains(&"--proto".to_string()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn zsh_and_fish_completions_speak_the_language() {
    let out = socklab("C", &["--lang", "fr", "completions", "zsh"]);
    assert!(out.status.success());
    let script = text(&out.stdout);
    assert!(script.starts_with("#compdef socklab"));
    assert!(script.contains("Lancer un serveur des TP"));
    assert!(script.contains("En couleurs, une ligne par appel"));
    let out = socklab("C", &["completions", "fish"]);
    assert!(text(&out.stdout).contains("Run a server from the labs"));
}

#[test]
fn the_manual_page_in_both_languages() {
    let out = socklab("C", &["man"]);
    assert!(out.status.success());
    let page = text(&out.stdout);
    assert!(page.contains("\n.TH SOCKLAB 1 "), "{page}");
    assert!(page.contains("\n.SH NAME\nsocklab \\- socket programming, shown call by call\n"));
    for section in [
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH COMMANDS",
        ".SS \"socklab serve\"",
    ] {
        assert!(page.contains(section), "{section}");
    }
    assert!(page.contains("[default: pretty]"));

    let out = socklab("C", &["--lang", "fr", "man"]);
    assert!(out.status.success());
    let page = text(&out.stdout);
    assert!(page.contains("\n.TH SOCKLAB 1 "));
    assert!(
        page.contains("\n.SH NOM\nsocklab \\- la programmation des sockets, appel par appel\n"),
        "{page}"
    );
    for section in [
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH COMMANDES",
        ".SS \"socklab serve\"",
    ] {
        assert!(page.contains(section), "{section}");
    }
    assert!(page.contains("Le service à offrir"));
    assert!(page.contains("[par défaut : pretty]"));
    assert!(!page.contains(".SH NAME") && !page.contains("Possible values"));
}
