//! The grader's sandbox: hostile programs (bounded in what they try) are stopped and reported
//! with their reason without touching the others; a program sees only its own loopback; and
//! the class report as an HTML page shows the table, with the same pass rates as the JSON.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{have_tool, read_all_in_background, temp_dir, wait_timeout};

/// Upper bound for a whole class's grading.
const CLASS_LIMIT: Duration = Duration::from_secs(180);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// True when the tests run as root (CI does).
fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `nobody`, as `setpriv` makes it: for root, whom RLIMIT_NPROC does not bind.
const AS_NOBODY: [&str; 4] = [
    "setpriv",
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
];

/// The command prefix that runs a program as an unprivileged user: `setpriv` to `nobody` for
/// root, nothing for anyone else. `None` (skipped, said why) when root has no `setpriv`.
fn unprivileged() -> Option<Vec<&'static str>> {
    if !is_root() {
        return Some(Vec::new());
    }
    have_tool("setpriv").then(|| AS_NOBODY.to_vec())
}

/// A python3 that the unprivileged user can run: `/root` is closed to `nobody`, so a Python
/// under /root/.pyenv will not do. Skipped (or failed under SOCKLAB_REQUIRE_TOOLS=1) without.
fn python_for(prefix: &[&str]) -> Option<String> {
    let mut candidates = vec![
        "/usr/bin/python3".to_string(),
        "/usr/local/bin/python3".to_string(),
    ];
    if prefix.is_empty() {
        candidates.insert(0, "python3".into());
    }
    let found = candidates.into_iter().find(|py| {
        let mut all: Vec<&str> = prefix.to_vec();
        all.extend([py.as_str(), "-c", "pass"]);
        Command::new(all[0])
            .args(&all[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        if std::env::var("SOCKLAB_REQUIRE_TOOLS").as_deref() == Ok("1") {
            panic!("a python3 that {prefix:?} can run is required (SOCKLAB_REQUIRE_TOOLS=1)");
        }
        eprintln!("skipped: no python3 that {prefix:?} can run");
    }
    found
}

/// Runs `argv` in `dir`, within [`CLASS_LIMIT`]: the exit code and stdout.
fn run_in(dir: &Path, argv: &[String]) -> (Option<i32>, String, String) {
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{argv:?}: {e}"));
    let out = read_all_in_background(child.stdout.take().unwrap());
    let err = read_all_in_background(child.stderr.take().unwrap());
    let status = wait_timeout(&mut child, CLASS_LIMIT).expect("the grading did not finish in time");
    (
        status.code(),
        String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
    )
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn limits_of(report: &serde_json::Value) -> Vec<String> {
    report["limits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["limit"].as_str().unwrap().to_string())
        .collect()
}

fn criterion<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["parts"][0]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no criterion {id} in {report}"))
}

/// Five hostile programs and two good ones, graded as daytime clients in one `--each` run,
/// two at a time, by an unprivileged user (root is not bound by the process limit): each
/// hostile one is reported with its limit, the good ones pass whole, nothing is written
/// outside the private directories (in a folder everyone may write to, so that only the
/// sandbox stops it), and nothing they started outlives the grading.
#[test]
fn hostile_programs_are_stopped_and_reported_and_the_others_graded() {
    let Some(prefix) = unprivileged() else { return };
    let Some(python) = python_for(&prefix) else {
        return;
    };
    let base = temp_dir("hostile");
    chmod(&base, 0o777);
    let bin = base.join("bin");
    let class = base.join("class");
    for d in [&bin, &class] {
        std::fs::create_dir(d).unwrap();
        chmod(d, 0o755);
    }
    // The binary and the fixtures where the unprivileged user can read them.
    let socklab = bin.join("socklab");
    std::fs::copy(common::socklab(), &socklab).unwrap();
    chmod(&socklab, 0o755);
    let hostile = [
        "fork_loop.py",
        "big_alloc.py",
        "never_exits.py",
        "flood_stdout.py",
        "write_parent.py",
    ];
    let fixtures = root().join("tests/python/hostile");
    for f in hostile {
        std::fs::copy(fixtures.join(f), class.join(f)).unwrap();
    }
    let good = root().join("tests/python/curriculum/01_daytime.py");
    for f in ["0_good.py", "zz_good.py"] {
        std::fs::copy(&good, class.join(f)).unwrap();
    }
    for f in names_in(&class) {
        chmod(&class.join(f), 0o644);
    }
    let before = names_in(&class);

    let mut argv: Vec<String> = prefix.iter().map(|s| s.to_string()).collect();
    argv.push(socklab.display().to_string());
    argv.extend(
        [
            "--lang", "en", "check", "01", "--each", "*.py", "--jobs", "2", "--json", "--",
        ]
        .map(String::from),
    );
    argv.extend([python, "{file}".into(), "{host}".into(), "{port}".into()]);
    let (code, stdout, stderr) = run_in(&class, &argv);
    assert_eq!(
        code,
        Some(1),
        "the class does not pass as a whole: {stderr}"
    );
    let reports: Vec<serde_json::Value> = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {stdout}\n{stderr}"));
    let by_name: BTreeMap<String, &serde_json::Value> = reports
        .iter()
        .map(|r| (r["subject"].as_str().unwrap().to_string(), r))
        .collect();
    assert_eq!(by_name.len(), 7, "{stdout}");

    let expected = [
        ("fork_loop.py", "processes"),
        ("big_alloc.py", "memory"),
        ("never_exits.py", "time"),
        ("flood_stdout.py", "output"),
        ("write_parent.py", "writes"),
    ];
    for (file, limit) in expected {
        let r = by_name[file];
        assert_eq!(limits_of(r), vec![limit.to_string()], "{file}: {r}");
        assert_eq!(r["ok"], false, "{file}: {r}");
        let reason = r["limits"][0]["reason"].as_str().unwrap();
        assert!(!reason.is_empty(), "{file}: {r}");
    }
    // The reasons name the cause.
    let fork = by_name["fork_loop.py"];
    assert!(
        criterion(fork, "connects")["reason"]
            .as_str()
            .unwrap()
            .contains("BlockingIOError"),
        "{fork}"
    );
    let never = by_name["never_exits.py"];
    assert_eq!(criterion(never, "prints_date")["status"], "pass", "{never}");
    assert!(
        criterion(never, "exits")["reason"]
            .as_str()
            .unwrap()
            .contains("did not end within 5 s"),
        "{never}"
    );
    let flood = by_name["flood_stdout.py"];
    assert!(
        flood["limits"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("printed more than 4 MiB"),
        "{flood}"
    );
    // Its private directory took the first write (exit status 3 otherwise); the next one,
    // outside, was refused.
    let write = by_name["write_parent.py"];
    let why = criterion(write, "connects")["reason"].as_str().unwrap();
    assert!(
        why.contains("exit status 1") && why.contains("Permission denied"),
        "{write}"
    );
    for file in ["0_good.py", "zz_good.py"] {
        let r = by_name[file];
        assert_eq!(r["ok"], true, "{file}: {r}");
        assert!(limits_of(r).is_empty(), "{file}: {r}");
    }

    // Nothing written outside: the folders hold what they held.
    assert_eq!(names_in(&base), vec!["bin", "class"]);
    assert_eq!(names_in(&class), before);
    // The fork loop's children slept 30 s; its sandbox's end ended them.
    let left: Vec<String> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(&class.display().to_string()) || c.contains("fork_loop.py"))
        .collect();
    assert!(left.is_empty(), "still running: {left:?}");
    let _ = std::fs::remove_dir_all(&base);
}

/// Inside the sandbox a program sees one interface, its own loopback: it prints the names in
/// /proc/net/dev instead of the date, and the reason quotes them.
#[test]
fn a_graded_program_sees_only_its_loopback() {
    if !have_tool("python3") {
        return;
    }
    let file = root().join("tests/python/hostile/netdev.py");
    let out = common::socklab_in(
        root(),
        &[
            "--lang",
            "en",
            "check",
            "01",
            "--json",
            "--",
            "python3",
            file.to_str().unwrap(),
            "{host}",
            "{port}",
        ],
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(criterion(&report, "connects")["status"], "pass", "{report}");
    let printed = criterion(&report, "prints_date")["reason"]
        .as_str()
        .unwrap();
    assert!(printed.contains("interfaces=lo;"), "{printed}");
}

/// `chromium --headless --screenshot` of `page`, and the share of its pixels drawn.
fn ink_of(page: &Path, dir: &Path) -> f64 {
    let png = dir.join("report.png");
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1200,900",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        png.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ink = Command::new("python3")
        .arg(root().join("tests/tools/png_ink.py"))
        .arg(&png)
        .output()
        .unwrap();
    assert!(
        ink.status.success(),
        "{}",
        String::from_utf8_lossy(&ink.stderr)
    );
    String::from_utf8(ink.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// The pass rates an HTML page states, as `(criterion, passed, counted)`.
fn rates_in_html(html: &str) -> Vec<(String, u64, u64)> {
    let attr = |cell: &str, name: &str| -> String {
        let start = cell.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        cell[start..].split('"').next().unwrap().to_string()
    };
    html.split("<td class=\"rate\"")
        .skip(1)
        .map(|cell| {
            (
                attr(cell, "data-criterion"),
                attr(cell, "data-passed").parse().unwrap(),
                attr(cell, "data-counted").parse().unwrap(),
            )
        })
        .collect()
}

/// The pass rates of a class's JSON reports, per criterion: passed, and passed or failed.
fn rates_in_json(reports: &[serde_json::Value]) -> Vec<(String, u64, u64)> {
    let criteria = reports[0]["parts"][0]["criteria"].as_array().unwrap();
    criteria
        .iter()
        .map(|c| {
            let id = c["id"].as_str().unwrap();
            let statuses: Vec<String> = reports
                .iter()
                .map(|r| criterion(r, id)["status"].as_str().unwrap().to_string())
                .collect();
            let passed = statuses.iter().filter(|s| *s == "pass").count() as u64;
            let failed = statuses.iter().filter(|s| *s == "fail").count() as u64;
            (id.to_string(), passed, passed + failed)
        })
        .collect()
}

/// Ten programs for step 03 (the five of class03, twice, one of them with a name that needs
/// escaping), graded with `--json --html` in French: the page is one file that fetches
/// nothing, the table renders in Chromium, and its pass rates are the JSON's.
#[test]
fn the_html_class_report_shows_the_table_and_the_pass_rates_of_the_json() {
    if !have_tool("python3") {
        return;
    }
    let dir = temp_dir("html-report");
    let class = dir.join("class");
    std::fs::create_dir(&class).unwrap();
    let source = root().join("tests/python/curriculum/class03");
    let mut n = 0;
    for f in names_in(&source) {
        let stem = f.trim_end_matches(".py");
        for copy in [format!("{stem}.py"), format!("{stem}_2.py")] {
            std::fs::copy(source.join(&f), class.join(copy)).unwrap();
            n += 1;
        }
    }
    std::fs::rename(class.join("emma_2.py"), class.join("o'brien&<x>.py")).unwrap();
    assert_eq!(n, 10);
    let page = dir.join("classe.html");
    let glob = format!("{}/*.py", class.display());
    let argv: Vec<String> = [
        common::socklab(),
        "--lang",
        "fr",
        "check",
        "03",
        "--each",
        &glob,
        "--json",
        "--html",
        page.to_str().unwrap(),
        "--",
        "python3",
        "{file}",
        "{port}",
    ]
    .map(String::from)
    .to_vec();
    let (code, stdout, stderr) = run_in(root(), &argv);
    assert_eq!(code, Some(1), "{stderr}");
    let reports: Vec<serde_json::Value> = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {stdout}\n{stderr}"));
    assert_eq!(reports.len(), 10);
    let html = std::fs::read_to_string(&page).unwrap();

    // The rates: every criterion, and the same figures as the JSON.
    let from_json = rates_in_json(&reports);
    // Seven network criteria and two read from the trace.
    assert_eq!(from_json.len(), 9);
    assert_eq!(rates_in_html(&html), from_json);
    // bruno.py and bruno_2.py fail the large echo: 8 of 10.
    assert!(
        from_json.contains(&("echo_large".to_string(), 8, 10)),
        "{from_json:?}"
    );
    // One row per program, the odd name escaped.
    assert_eq!(html.matches("<th scope=\"row\">").count(), 10 + 1);
    assert!(
        html.contains("o&#39;brien&amp;&lt;x&gt;.py"),
        "unescaped name"
    );
    assert!(!html.contains("<x>"), "unescaped name");
    // In French; the most frequent mistakes listed, with how many made them.
    assert!(html.contains("Bilan de la classe") && html.contains("taux de réussite"));
    assert!(html.contains("Les erreurs les plus fréquentes"));
    assert!(html.contains("</span> <b>echo_large</b>"), "{html}");
    // Offline: nothing to fetch, no script.
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"));

    if have_tool("chromium") {
        let ink = ink_of(&page, &dir);
        assert!(
            ink > 0.01,
            "the page renders blank ({ink} of the pixels drawn)"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--jobs` and `--html` mean something only for a class.
#[test]
fn jobs_and_html_need_each() {
    for extra in [["--jobs", "2"], ["--html", "x.html"]] {
        let mut args = vec!["check", "03"];
        args.extend(extra);
        args.extend(["--", "true"]);
        let out = common::socklab_in(root(), &args);
        assert_eq!(out.status.code(), Some(2), "{}", common::err(&out));
    }
}
