//! `socklab bench`: a load generator for echo servers.
//!
//! It loads any echo server at HOST PORT, or starts `socklab serve echo` itself (in a given
//! mode, with a given trace setting) and stops it with SIGINT at the end. Five workloads
//! ([`workloads`]): request/response round trips with C clients, bulk streaming, connection
//! churn, H connections held at once, UDP round trips. Every byte echoed is checked against
//! what was sent ([`pattern`]); a single difference makes the bench fail.
//!
//! `--compare-modes` is the lesson of the labs in numbers: the iterative, select and threads
//! servers under the same load, side by side.
//!
//! - [`server`]: start and stop the server under test, and time its readiness;
//! - [`workloads`]: the five workloads;
//! - [`pattern`], [`latency`], [`procinfo`]: checked bytes, percentiles, `/proc` figures;
//! - [`progress`], [`report`]: the progress bar, the table and the JSON.

pub mod latency;
pub mod pattern;
pub mod procinfo;
pub mod progress;
pub mod report;
pub mod server;
pub mod workloads;

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use serde::Serialize;

use crate::cli::BenchArgs;
use crate::error::Failure;
use crate::kinds::Mode;
use crate::lang::Lang;
use crate::trace;

use pattern::Payload;
use progress::{Goal, Progress};
use server::{Spawned, Spec};
use workloads::{Outcome, Workload};

/// One server under one load: what it is, and what each workload measured.
#[derive(Debug, Serialize)]
pub struct Run {
    pub label: String,
    /// The kind of bytes sent.
    pub payload: Payload,
    /// The TCP address loaded (and the UDP one, when the udp workload ran).
    pub target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub udp_target: Option<String>,
    /// Filled in when the bench started the server itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerInfo>,
    pub results: Vec<Outcome>,
}

#[derive(Debug, Serialize)]
pub struct ServerInfo {
    pub command: String,
    pub mode: Option<&'static str>,
    pub trace: String,
    pub pid: u32,
    /// From the start of the process until a first connection succeeded, in milliseconds.
    pub ready_ms: f64,
    /// The first line of the summary it printed when stopped.
    pub summary: String,
    /// The buffer each `recv` was given, when the bench chose it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recv_size: Option<usize>,
    /// The bytes it received, from its summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_in: Option<u64>,
    /// The socket system calls it made, counted by itself, from its summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calls: Option<trace::counters::Calls>,
}

/// The receive buffers `--compare-buffers` sets side by side: the labs' 1,500 bytes, 16 KiB,
/// 64 KiB.
pub const BUFFERS: [usize; 3] = [1500, 16384, 65536];

/// What to run, from the command line.
struct Plan {
    workloads: Vec<Workload>,
    clients: Vec<usize>,
    churn_clients: usize,
    hold: usize,
    burst: usize,
    size: usize,
    duration: Duration,
    payload: Payload,
    lang: Lang,
}

pub fn run(args: &BenchArgs, lang: Lang) -> Result<(), Failure> {
    let plan = plan(args, lang)?;
    let limit = raise_fd_limit();
    if plan.workloads.contains(&Workload::Accept) && plan.burst + 64 > limit as usize {
        return Err(Failure::usage(format!(
            "--burst {} needs as many descriptors, and the limit is {limit} (ulimit -n)",
            plan.burst
        )));
    }
    if plan.workloads.contains(&Workload::Hold) && plan.hold + 64 > limit as usize {
        return Err(Failure::usage(format!(
            "--hold {} needs as many descriptors, and the limit is {limit} (ulimit -n)",
            plan.hold
        )));
    }
    let runs = if args.compare_modes {
        let mut runs = Vec::new();
        for mode in [Mode::Iterative, Mode::Select, Mode::Threads] {
            let file = args
                .server_trace_file
                .as_ref()
                .map(|f| PathBuf::from(format!("{}.{}", f.display(), mode.name())));
            runs.push(spawned_run(args, &plan, mode, file, None)?);
        }
        runs
    } else if args.compare_buffers {
        let mut runs = Vec::new();
        for size in BUFFERS {
            let file = args
                .server_trace_file
                .as_ref()
                .map(|f| PathBuf::from(format!("{}.{size}", f.display())));
            runs.push(spawned_run(args, &plan, Mode::Threads, file, Some(size))?);
        }
        runs
    } else if let Some(host) = &args.host {
        vec![external_run(args, &plan, host)?]
    } else {
        vec![spawned_run(
            args,
            &plan,
            args.mode,
            args.server_trace_file.clone(),
            None,
        )?]
    };
    if args.json {
        let text = if args.compare_modes {
            serde_json::to_string_pretty(&serde_json::json!({ "compare_modes": runs }))
        } else if args.compare_buffers {
            serde_json::to_string_pretty(&serde_json::json!({ "compare_buffers": runs }))
        } else {
            serde_json::to_string_pretty(&runs[0])
        };
        show(&(text.expect("results always serialize") + "\n"));
    } else if args.compare_modes {
        show(&report::compare_table(&runs, lang));
    } else if args.compare_buffers {
        show(&report::buffers_table(&runs, lang));
    } else {
        show(&report::table(&runs[0], lang));
    }
    let mismatches: u64 = runs
        .iter()
        .flat_map(|r| &r.results)
        .map(|o| o.mismatches)
        .sum();
    if mismatches > 0 {
        return Err(Failure::new(
            "bench",
            std::io::Error::other(match lang {
                Lang::Fr => format!("{mismatches} écho(s) différent(s) de ce qui a été envoyé"),
                Lang::En => format!("{mismatches} echo(es) differ from what was sent"),
            }),
        ));
    }
    let answered: u64 = runs
        .iter()
        .flat_map(|r| &r.results)
        .map(|o| o.bytes_checked)
        .sum();
    // The accept burst only opens connections: nothing to echo.
    let echoes = runs
        .iter()
        .flat_map(|r| &r.results)
        .any(|o| o.workload != Some(Workload::Accept));
    if echoes && answered == 0 {
        let first = runs
            .iter()
            .flat_map(|r| &r.results)
            .find_map(|o| o.first_error.clone())
            .unwrap_or_default();
        return Err(Failure::new(
            "bench",
            std::io::Error::other(match lang {
                Lang::Fr => format!("le serveur n'a répondu à rien ({first})"),
                Lang::En => format!("the server answered nothing ({first})"),
            }),
        ));
    }
    Ok(())
}

fn plan(args: &BenchArgs, lang: Lang) -> Result<Plan, Failure> {
    if !(args.duration > 0.0 && args.duration.is_finite()) {
        return Err(Failure::usage(
            "--duration takes a positive number of seconds",
        ));
    }
    if args.clients.contains(&0) || args.churn_clients == 0 || args.size == 0 || args.burst == 0 {
        return Err(Failure::usage(
            "--clients, --churn-clients, --burst and --size take numbers above 0",
        ));
    }
    if args.host.is_some() != args.port.is_some() {
        return Err(Failure::usage("give both HOST and PORT, or neither"));
    }
    let udp_possible = args.host.is_none() || args.udp_port.is_some();
    let workloads = if args.workloads.is_empty() && args.compare_buffers {
        // The buffer's lesson is in the bytes a call moves: streaming shows it.
        vec![Workload::Bulk]
    } else if args.workloads.is_empty() {
        let mut all = vec![
            Workload::Rr,
            Workload::Bulk,
            Workload::Churn,
            Workload::Hold,
        ];
        // --compare-modes is about TCP modes: UDP has none.
        if udp_possible && !args.compare_modes {
            all.push(Workload::Udp);
        }
        all
    } else {
        args.workloads.clone()
    };
    Ok(Plan {
        workloads,
        clients: args.clients.clone(),
        churn_clients: args.churn_clients,
        hold: args.hold,
        burst: args.burst,
        size: args.size,
        duration: Duration::from_secs_f64(args.duration),
        payload: args.payload,
        lang,
    })
}

/// Starts the server in `mode` (and a UDP one for the udp workload), loads it, stops it.
fn spawned_run(
    args: &BenchArgs,
    plan: &Plan,
    mode: Mode,
    trace_file: Option<PathBuf>,
    recv_size: Option<usize>,
) -> Result<Run, Failure> {
    let spec = Spec {
        mode: Some(mode),
        trace: args.server_trace,
        trace_file: trace_file.clone(),
        lang: plan.lang,
        backlog: 128,
        recv_size,
    };
    let tcp_loads: Vec<Workload> = plan
        .workloads
        .iter()
        .copied()
        .filter(|w| *w != Workload::Udp)
        .collect();
    let mut results = Vec::new();
    let mut info = None;
    let mut target = String::new();
    if !tcp_loads.is_empty() {
        let server = Spawned::start(&spec)?;
        target = server.addr.to_string();
        for &w in &tcp_loads {
            results.extend(tcp_workload(w, server.addr, Some(server.pid), plan));
        }
        let (pid, ready) = (server.pid, server.ready);
        let stopped = server.stop()?;
        info = Some(ServerInfo {
            command: spec.describe(),
            mode: Some(mode.name()),
            trace: server::format_name(args.server_trace),
            pid,
            ready_ms: ready.as_secs_f64() * 1000.0,
            summary: stopped.summary,
            recv_size,
            bytes_in: stopped.bytes_in,
            calls: stopped.calls,
        });
    }
    let mut udp_target = None;
    if plan.workloads.contains(&Workload::Udp) {
        let udp_spec = Spec {
            mode: None,
            trace_file: trace_file.map(|f| PathBuf::from(format!("{}.udp", f.display()))),
            // UDP takes the datagram's largest size, whatever the TCP buffer.
            recv_size: None,
            ..spec.clone()
        };
        let server = Spawned::start(&udp_spec)?;
        udp_target = Some(server.addr.to_string());
        for &c in &plan.clients {
            results.push(udp_workload(server.addr, c, Some(server.pid), plan));
        }
        server.stop()?;
    }
    Ok(Run {
        payload: plan.payload,
        label: match recv_size {
            Some(n) => format!("socklab {} --recv-size {n}", mode.name()),
            None => args.label.clone().unwrap_or_else(|| {
                format!(
                    "socklab {} (trace {})",
                    mode.name(),
                    server::format_name(args.server_trace)
                )
            }),
        },
        target,
        udp_target,
        server: info,
        results,
    })
}

/// Loads a server someone else started.
fn external_run(args: &BenchArgs, plan: &Plan, host: &str) -> Result<Run, Failure> {
    let port = args.port.unwrap_or(7777);
    let addr = lookup(host, port)?;
    let mut results = Vec::new();
    for &w in &plan.workloads {
        if w != Workload::Udp {
            results.extend(tcp_workload(w, addr, args.pid, plan));
        }
    }
    let mut udp_target = None;
    if plan.workloads.contains(&Workload::Udp) {
        let udp = lookup(host, args.udp_port.unwrap_or(port))?;
        udp_target = Some(udp.to_string());
        for &c in &plan.clients {
            results.push(udp_workload(udp, c, args.pid, plan));
        }
    }
    Ok(Run {
        payload: plan.payload,
        label: args.label.clone().unwrap_or_else(|| addr.to_string()),
        target: addr.to_string(),
        udp_target,
        server: None,
        results,
    })
}

fn lookup(host: &str, port: u16) -> Result<SocketAddr, Failure> {
    (host, port)
        .to_socket_addrs()
        .map_err(|e| Failure::new(format!("resolve {host}"), e))?
        .next()
        .ok_or_else(|| {
            Failure::new(
                format!("resolve {host}"),
                std::io::Error::new(std::io::ErrorKind::NotFound, "no address"),
            )
        })
}

/// Runs `f` and adds the server's CPU time during it (when its pid is known) to the outcome.
fn metered(pid: Option<u32>, f: impl FnOnce() -> Outcome) -> Outcome {
    let before = pid.and_then(procinfo::family_cpu_time);
    let threads = pid.and_then(procinfo::footprint).map(|f| f.threads);
    let mut o = f();
    // The threads that served the workload's clients end just after it: their CPU time is
    // counted into the process's once they have.
    if let (Some(pid), Some(threads)) = (pid, threads) {
        let deadline = std::time::Instant::now() + Duration::from_secs(1);
        while procinfo::footprint(pid).is_some_and(|f| f.threads > threads)
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    if let (Some(pid), Some(before)) = (pid, before)
        && let Some(after) = procinfo::family_cpu_time(pid)
    {
        let ms = after.saturating_sub(before).as_secs_f64() * 1000.0;
        o.server_cpu_ms = Some(ms);
        let ops = match o.workload {
            Some(Workload::Bulk) => o.bytes_checked as f64 / (1024.0 * 1024.0),
            _ => o.count as f64,
        };
        if ops > 0.0 {
            o.server_cpu_us_per_op = Some(ms * 1000.0 / ops);
        }
    }
    o
}

/// Runs one TCP workload (rr once per client count), with a progress bar.
fn tcp_workload(w: Workload, addr: SocketAddr, pid: Option<u32>, plan: &Plan) -> Vec<Outcome> {
    let lang = plan.lang;
    let d = plan.duration;
    match w {
        Workload::Rr => plan
            .clients
            .iter()
            .map(|&c| {
                let done = Arc::new(AtomicU64::new(0));
                let _bar = Progress::start(
                    report::heading(w, c, lang),
                    Goal::Time(d),
                    Arc::clone(&done),
                    "rt/s",
                );
                metered(pid, || {
                    workloads::rr::run(addr, c, plan.size, d, plan.payload, &done)
                })
            })
            .collect(),
        Workload::Bulk => {
            let done = Arc::new(AtomicU64::new(0));
            let _bar = Progress::start(
                report::heading(w, 1, lang),
                Goal::Time(d),
                Arc::clone(&done),
                "B/s",
            );
            vec![metered(pid, || {
                workloads::bulk::run(addr, d, plan.payload, &done)
            })]
        }
        Workload::Churn => {
            let done = Arc::new(AtomicU64::new(0));
            let _bar = Progress::start(
                report::heading(w, plan.churn_clients, lang),
                Goal::Time(d),
                Arc::clone(&done),
                "conn/s",
            );
            vec![metered(pid, || {
                workloads::churn::run(addr, plan.churn_clients, d, plan.payload, &done)
            })]
        }
        Workload::Hold => {
            let done = Arc::new(AtomicU64::new(0));
            let _bar = Progress::start(
                report::heading(w, plan.hold, lang),
                Goal::Count(plan.hold as u64),
                Arc::clone(&done),
                "conn",
            );
            vec![workloads::hold::run(
                addr,
                plan.hold,
                pid,
                plan.payload,
                &done,
            )]
        }
        Workload::Accept => {
            let done = Arc::new(AtomicU64::new(0));
            let _bar = Progress::start(
                report::heading(w, plan.burst, lang),
                Goal::Count(plan.burst as u64),
                Arc::clone(&done),
                "conn",
            );
            vec![metered(pid, || {
                workloads::accept::run(addr, plan.burst, pid, &done)
            })]
        }
        Workload::Udp => Vec::new(),
    }
}

fn udp_workload(addr: SocketAddr, clients: usize, pid: Option<u32>, plan: &Plan) -> Outcome {
    let done = Arc::new(AtomicU64::new(0));
    let _bar = Progress::start(
        report::heading(Workload::Udp, clients, plan.lang),
        Goal::Time(plan.duration),
        Arc::clone(&done),
        "rt/s",
    );
    metered(pid, || {
        workloads::udp::run(addr, clients, plan.size, plan.duration, plan.payload, &done)
    })
}

/// Raises this process's descriptor limit to its hard limit (holding a thousand connections
/// takes a thousand descriptors; a server the bench starts inherits the raised limit too) and
/// returns the limit now in force.
fn raise_fd_limit() -> u64 {
    // SAFETY: getrlimit/setrlimit on a properly sized, initialized struct.
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 1024;
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return raised.rlim_cur;
            }
        }
        lim.rlim_cur
    }
}

/// Prints the results. A reader that went away (`| head`) is no error worth a panic.
fn show(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
