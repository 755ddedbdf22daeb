//! Criteria and verdicts: what the grader checks, and what it found.

use serde::Serialize;

use crate::lang::Lang;

/// One thing a program must do, named for the columns of a class table (`echo_large`) and
/// described in both languages for the checklist.
#[derive(Clone, Copy, Debug)]
pub struct Criterion {
    pub id: &'static str,
    pub fr: &'static str,
    pub en: &'static str,
}

/// Why a criterion failed (or was skipped), in both languages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reason {
    pub fr: String,
    pub en: String,
}

impl Reason {
    pub fn new(fr: impl Into<String>, en: impl Into<String>) -> Reason {
        Reason {
            fr: fr.into(),
            en: en.into(),
        }
    }

    pub fn text(&self, lang: Lang) -> &str {
        lang.pick(&self.fr, &self.en)
    }

    /// The same reason with more said after it.
    pub fn then(mut self, more: &Reason) -> Reason {
        self.fr = format!("{} {}", self.fr, more.fr);
        self.en = format!("{} {}", self.en, more.en);
        self
    }
}

/// The state of one criterion after grading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    /// Could not be checked on this machine (a tool is missing); counts neither way.
    Skip,
}

/// A criterion and what the grader found.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub criterion: Criterion,
    pub status: Status,
    pub reason: Option<Reason>,
}

/// A criterion's status once decided, and why.
type Decided = (Status, Option<Reason>);

/// The criteria of one scenario, filled in as the scenario goes. A criterion the scenario
/// could not reach (an earlier step failed) fails with a reason saying so.
#[derive(Debug)]
pub struct Checklist {
    items: Vec<(Criterion, Option<Decided>)>,
}

impl Checklist {
    pub fn new(criteria: &[Criterion]) -> Checklist {
        Checklist {
            items: criteria.iter().map(|c| (*c, None)).collect(),
        }
    }

    fn set(&mut self, id: &str, status: Status, reason: Option<Reason>) {
        let item = self
            .items
            .iter_mut()
            .find(|(c, _)| c.id == id)
            .unwrap_or_else(|| panic!("criterion {id} is not in this scenario's list"));
        // The first verdict stands: a later step does not undo an earlier failure.
        if item.1.is_none() {
            item.1 = Some((status, reason));
        }
    }

    pub fn pass(&mut self, id: &str) {
        self.set(id, Status::Pass, None);
    }

    pub fn fail(&mut self, id: &str, reason: Reason) {
        self.set(id, Status::Fail, Some(reason));
    }

    pub fn skip(&mut self, id: &str, reason: Reason) {
        self.set(id, Status::Skip, Some(reason));
    }

    /// Passes or fails `id` on a result.
    pub fn record(&mut self, id: &str, result: Result<(), Reason>) -> bool {
        match result {
            Ok(()) => {
                self.pass(id);
                true
            }
            Err(r) => {
                self.fail(id, r);
                false
            }
        }
    }

    /// The test cannot go on: the first criterion not decided yet fails with `reason`, the
    /// others as not checked.
    pub fn fail_rest(&mut self, reason: &Reason) {
        if let Some((_, v)) = self.items.iter_mut().find(|(_, v)| v.is_none()) {
            *v = Some((Status::Fail, Some(reason.clone())));
        }
    }

    /// Fails every criterion not decided yet with `reason`.
    pub fn fail_all(&mut self, reason: &Reason) {
        for (_, v) in &mut self.items {
            if v.is_none() {
                *v = Some((Status::Fail, Some(reason.clone())));
            }
        }
    }

    pub fn finish(mut self) -> Vec<Verdict> {
        self.fail_all(&Reason::new(
            "non vérifié : le test s'est arrêté avant (voir le critère en échec plus haut)",
            "not checked: the test stopped before this (see the failed criterion above)",
        ));
        self.items
            .into_iter()
            .map(|(criterion, v)| {
                let (status, reason) = v.unwrap_or((Status::Fail, None));
                Verdict {
                    criterion,
                    status,
                    reason,
                }
            })
            .collect()
    }
}
