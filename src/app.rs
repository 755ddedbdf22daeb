//! Sets up what every command shares (language, the packet capture, Ctrl+C, trace), runs the
//! command, and turns its outcome into a message and an exit code.

use std::io::{self, IsTerminal};

use crate::cli::{Cli, ColorChoice, Command, ConnectArgs, DemoArgs, DiagramArgs};
use crate::demo::columns::{self, ColumnsRender};
use crate::demo::{self, diagram};
use crate::error::{Failure, exit};
use crate::explain::Explainer;
use crate::kernel::capture::{self, Capture};
use crate::kernel::netns::{self, NoNamespace};
use crate::kernel::pcap::PcapOut;
use crate::kinds::Client;
use crate::lang::Lang;
use crate::trace::{Format, PrettyRender};
use crate::{bench, cli_lang, clients, grade, ptrace, server, signals, step, trace, tracediff};

/// The packet capture `main` prepared, before any thread started.
pub struct Packets {
    capture: Option<Capture>,
}

impl Packets {
    const OFF: Packets = Packets { capture: None };
}

/// Opens the capture `--packets` (or a demo that shows packets by default) asks for. It must
/// run before any other thread exists: a demo without privileges enters a user and network
/// namespace of its own, which the kernel refuses to a threaded process. Where no capture can
/// be had, one line says why and the command runs without packets.
pub fn prepare_packets(cli: &Cli) -> Packets {
    let g = &cli.global;
    let lang = g.lang.unwrap_or_else(Lang::from_env);
    let demo = match &cli.command {
        Command::Demo(d) => d.scenario.as_deref().filter(|n| demo::find(n).is_some()),
        _ => None,
    };
    let by_default = demo.is_some_and(demo::shows_the_kernel) && !g.no_packets;
    // Runs whole in one process tree: a demo, or `trace --server --client` (both programs are
    // socklab's children). A network of their own holds every packet they send.
    let whole = demo.is_some() || matches!(&cli.command, Command::Trace(t) if t.server.is_some());
    if !(g.packets || g.pcap.is_some() || by_default) {
        return Packets::OFF;
    }
    // Nothing would show them.
    if g.trace == Format::Off && g.pcap.is_none() && g.diagram.is_none() {
        return Packets::OFF;
    }
    // The ports known before the first packet: a server's, the one a client connects to. The
    // others are added as the program binds them.
    let ports = match &cli.command {
        Command::Serve(a) => vec![a.port.unwrap_or(a.service.default_port())],
        Command::Connect(a) => vec![connect_port(a)],
        Command::Demo(_) if demo.is_some() => Vec::new(),
        Command::Demo(_) => return Packets::OFF,
        Command::Trace(_) if whole => Vec::new(),
        _ => {
            say_packets(
                lang,
                "seuls serve, connect, demo et trace --server/--client capturent des paquets ; \
                 ignoré ici."
                    .into(),
                "only serve, connect, demo and trace --server/--client capture packets; ignored \
                 here."
                    .into(),
            );
            return Packets::OFF;
        }
    };
    // With CAP_NET_RAW (root, or a binary given it), the capture is on the loopback where the
    // program is, filtered to its ports: a test's tcpdump in the same namespace sees the same
    // packets. Root keeps its capabilities (a server on port 13 stays possible); anyone else
    // drops the one it needed only for this.
    if netns::has_net_raw() {
        let opened = capture::open_shared(&ports);
        if !netns::is_root() {
            let _ = netns::drop_capabilities();
        }
        return match opened {
            Ok(c) => Packets { capture: Some(c) },
            Err(e) => {
                cannot_capture(lang, &e);
                Packets::OFF
            }
        };
    }
    if !whole {
        say_packets(
            lang,
            "capturer sur la boucle locale de cette machine demande CAP_NET_RAW (root) ; pour \
             l'autoriser : sudo setcap cap_net_raw+ep $(command -v socklab). La suite sans les \
             paquets."
                .into(),
            "capturing on this machine's loopback needs CAP_NET_RAW (root); to allow it: sudo \
             setcap cap_net_raw+ep $(command -v socklab). Going on without packets."
                .into(),
        );
        return Packets::OFF;
    }
    // A demo is whole in one process: a network of its own, where every packet is its own.
    if let Err(why) = netns::enter() {
        let (fr, en) = match why {
            NoNamespace::Disabled => (
                format!("désactivés ({}=1)", netns::NO_USERNS),
                format!("disabled ({}=1)", netns::NO_USERNS),
            ),
            NoNamespace::Refused(e) => (format!("refusés : {e}"), format!("refused: {e}")),
        };
        say_packets(
            lang,
            format!(
                "pas d'espace de noms réseau à soi ici : espaces de noms utilisateur {fr} ; \
                 capturer sur la boucle locale partagée demande CAP_NET_RAW (root). La démo \
                 continue sans les paquets."
            ),
            format!(
                "no network namespace of its own here: user namespaces {en}; capturing on \
                 the shared loopback needs CAP_NET_RAW (root). The demo goes on without \
                 packets."
            ),
        );
        return Packets::OFF;
    }
    let opened = capture::open_namespace();
    // The namespace gave every capability: none is kept, so the demo's calls fail where they
    // would fail outside (a port below 1024: EACCES).
    if let Err(e) = netns::drop_capabilities() {
        cannot_capture(lang, &e);
        return Packets::OFF;
    }
    match opened {
        Ok(c) => Packets { capture: Some(c) },
        Err(e) => {
            cannot_capture(lang, &e);
            Packets::OFF
        }
    }
}

/// The port a client connects to: its PORT, the one in an http-get URL, or the lab's.
fn connect_port(a: &ConnectArgs) -> u16 {
    if let Some(p) = a.port {
        return p;
    }
    if a.client == Client::HttpGet
        && let Some(rest) = a.host.strip_prefix("http://")
    {
        let authority = rest.split('/').next().unwrap_or("");
        if let Some((_, port)) = authority.rsplit_once(':')
            && let Ok(p) = port.parse()
        {
            return p;
        }
    }
    a.client.default_port()
}

fn cannot_capture(lang: Lang, e: &io::Error) {
    say_packets(
        lang,
        format!("impossible de capturer sur lo : {e} ; la suite sans les paquets."),
        format!("cannot capture on lo: {e}; going on without packets."),
    );
}

/// The one line `--packets` prints when it cannot do its work.
fn say_packets(lang: Lang, fr: String, en: String) {
    eprintln!("socklab: --packets: {}", lang.pick(&fr, &en));
}

/// Runs the command and returns the process's exit code.
pub fn run(cli: Cli, packets: Packets) -> i32 {
    let lang = cli.global.lang.unwrap_or_else(Lang::from_env);
    // What describes the command line itself runs no socket: nothing to set up.
    match &cli.command {
        Command::Completions(args) => {
            crate::output::say(cli_lang::completions(args.shell, lang));
            return exit::OK;
        }
        Command::Man => {
            crate::output::say(cli_lang::man_page(lang));
            return exit::OK;
        }
        _ => {}
    }
    // Created before anything runs, so a path that cannot be written fails at once.
    let pcap = match (&packets.capture, &cli.global.pcap) {
        (Some(_), Some(path)) => match PcapOut::create(path) {
            Ok(out) => Some(out),
            Err(e) => {
                eprintln!("socklab: --pcap {}: {e}", path.display());
                return exit::FAILURE;
            }
        },
        _ => None,
    };
    let capturing = packets.capture.is_some();
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
    // `socklab trace`: events from one tracer thread, and other programs' lines to sort.
    let tracing_a_program = matches!(cli.command, Command::Trace(_));
    let config = trace::Config {
        format: cli.global.trace,
        file: cli.global.trace_file.clone(),
        lang,
        explain: cli.global.explain,
        color,
        hexdump: cli.global.hexdump,
        keep: cli.global.diagram.is_some(),
        // The demos of the kernel's side show it without being asked; the packets come with
        // the states they move the connections to.
        kernel_view: cli.global.sockets
            || capturing
            || matches!(&cli.command, Command::Demo(d)
                if d.scenario.as_deref().is_some_and(demo::shows_the_kernel)),
        // TIME_WAIT moves to the side that closed first after that side's call: the table shows
        // it there.
        sockets_table: cli.global.sockets
            || matches!(&cli.command, Command::Demo(d) if d.scenario.as_deref() == Some("time-wait")),
        packets: capturing,
        one_source: tracing_a_program,
        helpers_hidden: tracing_a_program,
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
            .with_sockets_table(config.sockets_table)
            .hiding_helpers(config.helpers_hidden);
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
    if let Some(capture) = packets.capture
        && let Err(e) = trace::start_capture(capture, pcap)
    {
        cannot_capture(lang, &e);
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
        Command::Exercises(args) => {
            return finished(grade::cmd::exercises(args, lang, cli.global.color));
        }
        Command::Hint(args) => return finished(grade::cmd::hint(args, lang)),
        Command::Check(args) => return finished(grade::cmd::check(args, lang, cli.global.color)),
        Command::Diff(args) if args.traces => {
            return finished(tracediff::run(args, lang, cli.global.color));
        }
        Command::Diff(args) => return finished(grade::cmd::diff(args, cli.global.color)),
        Command::Bench(args) => bench::run(args, lang),
        // Answered above.
        Command::Completions(_) | Command::Man => Ok(()),
        Command::Trace(args) => ptrace::run(args, lang).map(|c| code = c),
    };
    // Everything traced is written before the error message, so the message comes last.
    trace::finish();
    step::restore_terminal();
    let outcome = outcome.and_then(|()| match &cli.global.diagram {
        Some(path) => diagram::write(path, &ptrace::final_names(trace::take_recorded()), lang)
            .map_err(|e| Failure::new(format!("--diagram {}", path.display()), e)),
        None => Ok(()),
    });
    match outcome {
        Ok(()) => {
            // A program killed by a signal: socklab ends the same way, once all is written.
            if let Some(signal) = ptrace::died_of() {
                ptrace::die_of(signal);
            }
            code
        }
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
