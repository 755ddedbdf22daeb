//! Sets up what every command shares (language, Ctrl+C, trace), runs the command, and turns
//! its outcome into a message and an exit code.

use std::io::IsTerminal;

use crate::cli::{Cli, ColorChoice, Command, DemoArgs, DiagramArgs};
use crate::demo::columns::{self, ColumnsRender};
use crate::demo::{self, diagram};
use crate::error::{Failure, exit};
use crate::explain::Explainer;
use crate::lang::Lang;
use crate::trace::{Format, PrettyRender};
use crate::{bench, clients, grade, ptrace, server, signals, step, trace};

/// Runs the command and returns the process's exit code.
pub fn run(cli: Cli) -> i32 {
    let lang = cli.global.lang.unwrap_or_else(Lang::from_env);
    if let Err(e) = signals::install() {
        eprintln!("socklab: cannot install the Ctrl+C handler: {e}");
        return exit::FAILURE;
    }
    let color = match cli.global.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            cli.global.trace_file.is_none()
                && std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    // The renderer decides per output; the crate-wide switch only has to let colour through.
    colored::control::set_override(color);
    let config = trace::Config {
        format: cli.global.trace,
        file: cli.global.trace_file.clone(),
        lang,
        explain: cli.global.explain,
        color,
        hexdump: cli.global.hexdump,
        keep: cli.global.diagram.is_some(),
        // The demos of the kernel's side show it without being asked.
        kernel_view: cli.global.sockets
            || matches!(&cli.command, Command::Demo(d)
                if d.scenario.as_deref().is_some_and(demo::shows_the_kernel)),
        // TIME_WAIT moves to the side that closed first after that side's call: the table shows
        // it there.
        sockets_table: cli.global.sockets
            || matches!(&cli.command, Command::Demo(d) if d.scenario.as_deref() == Some("time-wait")),
    };
    // The demo lays the pretty trace out in two columns, clients left, server right; so does
    // `trace --server --client`.
    let columns = match &cli.command {
        Command::Demo(d) => d.scenario.is_some(),
        Command::Trace(t) => t.server.is_some(),
        _ => false,
    };
    let started = match (&cli.command, config.format) {
        (_, Format::Pretty) if columns => {
            let inner = PrettyRender::new(
                Explainer::new(lang, config.explain),
                config.hexdump,
                config.color,
            )
            .with_sockets_table(config.sockets_table);
            let width = if config.file.is_some() {
                160
            } else {
                columns::terminal_width()
            };
            trace::init_with(config, Box::new(ColumnsRender::new(inner, width)))
        }
        (Command::Diagram(_), _) => Ok(()),
        _ => trace::init(config),
    };
    if let Err(e) = started {
        eprintln!("socklab: {e}");
        return exit::FAILURE;
    }
    if cli.global.step || cli.global.step_delay.is_some() {
        let delay = cli.global.step_delay.map(std::time::Duration::from_millis);
        if let Err(e) = step::init(delay, lang) {
            eprintln!("socklab: --step: {e}");
            return exit::FAILURE;
        }
    }
    // The exit status of a traced program, which becomes socklab's.
    let mut code = exit::OK;
    let outcome = match &cli.command {
        Command::Serve(args) => server::run(args, lang),
        Command::Connect(args) => clients::run(args, lang),
        Command::Demo(args) => run_demo(args, lang),
        Command::Diagram(args) => draw(args, lang),
        // The curriculum's commands print their own results and choose their exit code.
        Command::Exercises => return finished(grade::cmd::exercises(lang, cli.global.color)),
        Command::Hint(args) => return finished(grade::cmd::hint(args, lang)),
        Command::Check(args) => return finished(grade::cmd::check(args, lang, cli.global.color)),
        Command::Diff(args) => return finished(grade::cmd::diff(args, cli.global.color)),
        Command::Bench(args) => bench::run(args, lang),
        Command::Trace(args) => ptrace::run(args, lang).map(|c| code = c),
    };
    // Everything traced is written before the error message, so the message comes last.
    trace::finish();
    let outcome = outcome.and_then(|()| match &cli.global.diagram {
        Some(path) => diagram::write(path, &ptrace::final_names(trace::take_recorded()), lang)
            .map_err(|e| Failure::new(format!("--diagram {}", path.display()), e)),
        None => Ok(()),
    });
    match outcome {
        Ok(()) => code,
        Err(failure) => {
            eprintln!("{}", failure.report(lang));
            failure.exit_code()
        }
    }
}

/// Writes the trace out, then gives `code` back.
fn finished(code: i32) -> i32 {
    trace::finish();
    code
}

fn run_demo(args: &DemoArgs, lang: Lang) -> Result<(), Failure> {
    let Some(name) = &args.scenario else {
        crate::output::say(demo::list(lang));
        return Ok(());
    };
    let scenario = demo::find(name).ok_or_else(|| {
        let names: Vec<&str> = demo::SCENARIOS.iter().map(|s| s.name).collect();
        Failure::usage(format!(
            "no demo named {name}; the demos: {}",
            names.join(", ")
        ))
    })?;
    demo::run(scenario, args.clients, args.backlog, lang)
}

fn draw(args: &DiagramArgs, lang: Lang) -> Result<(), Failure> {
    let what = format!("diagram {}", args.file.display());
    let events = diagram::read_trace(&args.file).map_err(|e| Failure::new(what.clone(), e))?;
    diagram::write(&args.output, &events, lang).map_err(|e| Failure::new(what, e))
}
