//! Grading with the trace: the program runs under `socklab trace`, and criteria read its
//! calls, whatever language it is written in.
//!
//! Each start of the program becomes `socklab --trace json --trace-file RUN.jsonl trace --
//! PROGRAM...`: socklab itself is the tracer, a process between the grader and the program
//! (its exit status and its death by a signal are the program's, its standard streams are the
//! program's own). At the end of a scenario the grader stops a traced run with
//! [`STOP_SIGNAL`](crate::ptrace::STOP_SIGNAL) rather than SIGKILL, so that the trace is whole.
//! Then [`criteria`] read the runs. Where ptrace is refused (a container without it, or a
//! grader that is itself under strace), the trace criteria are skipped, and say why: the
//! network criteria alone decide.

pub mod criteria;
pub mod run;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::child::Program;
use super::scenario::{self, Ctx};
use super::verdict::{Criterion, Reason, Status, Verdict};
use criteria::TraceCriterion;
use run::Run;

/// Where the traces of one part's runs go, and how the tracer is started.
#[derive(Debug)]
pub struct Tracing {
    /// socklab itself, the tracer.
    exe: PathBuf,
    dir: PathBuf,
    next: AtomicUsize,
    files: Mutex<Vec<PathBuf>>,
}

impl Tracing {
    /// Traces written into `dir` (the program's private directory, or a temporary one).
    pub fn new(dir: &Path) -> std::io::Result<Tracing> {
        Ok(Tracing {
            exe: std::env::current_exe()?,
            dir: dir.to_path_buf(),
            next: AtomicUsize::new(0),
            files: Mutex::new(Vec::new()),
        })
    }

    /// The command line that runs `program` under the tracer, into a new trace file.
    pub fn wrap(&self, program: &[String]) -> Vec<String> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let file = self.dir.join(format!("socklab-trace-run{n}.jsonl"));
        self.files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(file.clone());
        let mut argv = vec![
            self.exe.display().to_string(),
            "--lang".into(),
            "en".into(),
            "--trace".into(),
            "json".into(),
            "--trace-file".into(),
            file.display().to_string(),
            "trace".into(),
            // The grader sees the program end when it ends, as it would untraced, not when
            // the last of its children does.
            "--end-with-program".into(),
            "--".into(),
        ];
        argv.extend(program.iter().cloned());
        argv
    }

    /// The runs traced so far, read back. A run whose trace cannot be read is left out, with
    /// why.
    pub fn runs(&self) -> (Vec<Run>, Vec<String>) {
        let files = self.files.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let mut runs = Vec::new();
        let mut errors = Vec::new();
        for f in files {
            match Run::load(&f) {
                Ok(r) => runs.push(r),
                // A run that never started the tracer (the scenario stopped before) has no file.
                Err(_) if !f.exists() => {}
                Err(e) => errors.push(e),
            }
        }
        (runs, errors)
    }
}

/// Runs the scenario `name` against `program` and returns its verdicts, then those of the
/// part's trace criteria (`trace`): the program is traced, its traces written in `dir`, when
/// it has some and ptrace is allowed here.
pub fn grade(
    name: &str,
    trace: &[String],
    mut program: Program,
    port: Option<u16>,
    dir: &Path,
) -> (Vec<Verdict>, Program) {
    let wanted = named(trace);
    let mut unavailable = None;
    if !wanted.is_empty() {
        match available().and_then(|()| Tracing::new(dir).map_err(|e| e.to_string())) {
            Ok(t) => program.tracing = Some(Arc::new(t)),
            Err(why) => unavailable = Some(why),
        }
    }
    let ctx = Ctx {
        program: &program,
        port,
    };
    let mut verdicts = scenario::run(name, &ctx);
    if !wanted.is_empty() {
        verdicts.extend(judge(
            &wanted,
            program.tracing.as_deref(),
            unavailable.as_deref(),
        ));
    }
    (verdicts, program)
}

/// The trace criteria named by the catalogue, in its order; unknown names are refused when
/// the catalogue is read, so they are not here.
pub fn named(ids: &[String]) -> Vec<&'static TraceCriterion> {
    ids.iter().filter_map(|id| criteria::find(id)).collect()
}

/// The criteria of a part: its scenario's, then its trace criteria.
pub fn part_criteria(scenario: &[Criterion], trace: &[String]) -> Vec<Criterion> {
    let mut all = scenario.to_vec();
    all.extend(named(trace).iter().map(|t| t.criterion));
    all
}

/// Whether `socklab trace` can run here: it traces socklab's own `--version` once. `Err`:
/// why not, as socklab trace said it.
pub fn available() -> Result<(), String> {
    static ANSWER: Mutex<Option<Result<(), String>>> = Mutex::new(None);
    let mut answer = ANSWER.lock().unwrap_or_else(|e| e.into_inner());
    answer.get_or_insert_with(probe).clone()
}

fn probe() -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(&exe)
        .args(["--lang", "en", "--trace", "off", "trace", "--"])
        .arg(&exe)
        .arg("--version")
        .stdin(Stdio::null())
        .env("NO_COLOR", "1")
        .output()
        .map_err(|e| format!("{}: {e}", exe.display()))?;
    if out.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&out.stderr);
    let line = said.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    Err(line
        .trim_start_matches("socklab: ")
        .trim_start_matches("trace: ")
        .to_string())
}

/// Why the trace criteria are not judged, from what `socklab trace` said when probed.
fn refused(said: &str) -> Reason {
    // "ptrace is refused here (EPERM, Operation not permitted): ..."
    let errno = said
        .split_once("ptrace is refused here (")
        .and_then(|(_, rest)| rest.split([',', ')']).next());
    match errno {
        Some(errno) => Reason::new(
            format!(
                "non jugé : ptrace est refusé ici ({errno} : un conteneur qui l'interdit, ou un \
                 correcteur déjà suivi par strace ou un débogueur) ; seuls les critères réseau \
                 comptent"
            ),
            format!(
                "not judged: ptrace is refused here ({errno}: a container that forbids it, or a \
                 grader already traced by strace or a debugger); only the network criteria count"
            ),
        ),
        None => Reason::new(
            format!(
                "non jugé : socklab trace ne peut pas démarrer ici ({said}) ; seuls les critères \
                 réseau comptent"
            ),
            format!(
                "not judged: socklab trace cannot start here ({said}); only the network \
                 criteria count"
            ),
        ),
    }
}

/// The verdicts of the trace criteria: read from the runs when the program was traced,
/// skipped with the reason when it could not be (`unavailable`).
pub fn judge(
    wanted: &[&'static TraceCriterion],
    tracing: Option<&Tracing>,
    unavailable: Option<&str>,
) -> Vec<Verdict> {
    let skip = |reason: Reason| {
        wanted
            .iter()
            .map(|t| Verdict {
                criterion: t.criterion,
                status: Status::Skip,
                reason: Some(reason.clone()),
            })
            .collect()
    };
    if let Some(why) = unavailable {
        return skip(refused(why));
    }
    let Some(tracing) = tracing else {
        return skip(Reason::new(
            "non jugé : le programme n'a pas été tracé",
            "not judged: the program was not traced",
        ));
    };
    let (runs, errors) = tracing.runs();
    let whole: Vec<Run> = runs.into_iter().filter(|r| r.complete).collect();
    if whole.is_empty() {
        let detail = errors.first().cloned().unwrap_or_default();
        return skip(Reason::new(
            format!("non jugé : aucune trace complète du programme {detail}")
                .trim_end()
                .to_string(),
            format!("not judged: no complete trace of the program {detail}")
                .trim_end()
                .to_string(),
        ));
    }
    wanted
        .iter()
        .map(|t| {
            let (status, reason) = match (t.check)(&whole) {
                Ok(()) => (Status::Pass, None),
                Err(r) => (Status::Fail, Some(r)),
            };
            Verdict {
                criterion: t.criterion,
                status,
                reason,
            }
        })
        .collect()
}
