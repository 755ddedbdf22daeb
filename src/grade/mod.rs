//! The curriculum and its grader.
//!
//! - [`catalogue`]: `exercises/exercises.toml`, the steps as data, read by everything below.
//! - [`scenario`]: what the grader does against a program (it plays the server for a client
//!   exercise and the client for a server exercise) and the criteria it checks.
//! - [`child`]: the program under test as a process; [`net`]: the grader's side of the
//!   network, every wait bounded.
//! - [`runner`]: builds a step's program with cargo and runs its scenarios; [`verdict`] and
//!   [`report`]: what was found, as a checklist, a class table, CSV or JSON.
//! - [`sandbox`]: one sandbox per graded program (user, network and PID namespaces);
//!   [`limits`]: its resource limits, its private directory, and the limits a program ran
//!   into; [`html`]: the class report as one HTML page.
//! - [`progress`]: the last result of each exercise, for the progress board.
//! - [`cmd`]: the subcommands `exercises`, `hint`, `check` and `diff`.
//! - [`track`]: the Python track, the same steps as the labs' Python programs, run with
//!   `python3`.

pub mod catalogue;
pub mod child;
pub mod cmd;
pub mod html;
pub mod limits;
pub mod net;
pub mod progress;
pub mod report;
pub mod runner;
pub mod sandbox;
pub mod scenario;
pub mod traced;
pub mod track;
pub mod verdict;
