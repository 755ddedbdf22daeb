//! Two programs' threads paired by role, and each pair's calls aligned (`similar`, Myers'
//! diff over the calls' keys): what both do in the same order, and where they part.

use similar::{Algorithm, DiffOp, capture_diff_slices};

use super::steps::Thread;

/// One line of an alignment: indices into the two threads' steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// The same move in both.
    Same(usize, usize),
    /// Each does something else at this place.
    Changed(usize, usize),
    /// Only the first program makes this call here.
    OnlyA(usize),
    /// Only the second does.
    OnlyB(usize),
}

impl Row {
    pub fn differs(self) -> bool {
        !matches!(self, Row::Same(..))
    }
}

/// A thread of each program under the same role (or one missing), with their calls aligned.
#[derive(Debug)]
pub struct Pair<'t, 'a> {
    /// The role, as the trace names the thread (`veilleur`, `exécutant-1`).
    pub label: String,
    pub a: Option<&'t Thread<'a>>,
    pub b: Option<&'t Thread<'a>>,
    pub rows: Vec<Row>,
}

impl Pair<'_, '_> {
    /// The first row where the programs part.
    pub fn first_divergence(&self) -> Option<usize> {
        self.rows.iter().position(|r| r.differs())
    }
}

/// The threads of both programs, paired: by name first (`veilleur` with `veilleur`), then
/// the threads left over in order of their first call (a thread that never showed a role in
/// one, `main` in a trace of socklab's own server). Pairs in the first program's order.
pub fn pair<'t, 'a>(a: &'t [Thread<'a>], b: &'t [Thread<'a>]) -> Vec<Pair<'t, 'a>> {
    let mut taken = vec![false; b.len()];
    let mut pairs: Vec<(Option<&Thread>, Option<&Thread>)> = Vec::new();
    let mut left_a = Vec::new();
    for ta in a {
        match b
            .iter()
            .enumerate()
            .find(|(j, tb)| !taken[*j] && tb.name == ta.name)
        {
            Some((j, tb)) => {
                taken[j] = true;
                pairs.push((Some(ta), Some(tb)));
            }
            None => {
                left_a.push(pairs.len());
                pairs.push((Some(ta), None));
            }
        }
    }
    let mut left_b = b
        .iter()
        .enumerate()
        .filter(|(j, _)| !taken[*j])
        .map(|(_, t)| t);
    for i in left_a {
        if let Some(tb) = left_b.next() {
            pairs[i].1 = Some(tb);
        }
    }
    pairs.extend(left_b.map(|tb| (None, Some(tb))));
    pairs
        .into_iter()
        .map(|(ta, tb)| {
            let label = match (ta, tb) {
                (Some(x), Some(y)) if x.name != y.name => format!("{} / {}", x.name, y.name),
                (Some(x), _) | (None, Some(x)) => x.name.clone(),
                (None, None) => String::new(),
            };
            Pair {
                label,
                a: ta,
                b: tb,
                rows: align(ta, tb),
            }
        })
        .collect()
}

fn align(a: Option<&Thread>, b: Option<&Thread>) -> Vec<Row> {
    let keys = |t: Option<&Thread>| -> Vec<String> {
        t.map(|t| t.steps.iter().map(|s| s.key.clone()).collect())
            .unwrap_or_default()
    };
    let (ka, kb) = (keys(a), keys(b));
    let mut rows = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, &ka, &kb) {
        match op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => rows.extend((0..len).map(|k| Row::Same(old_index + k, new_index + k))),
            DiffOp::Delete {
                old_index, old_len, ..
            } => rows.extend((old_index..old_index + old_len).map(Row::OnlyA)),
            DiffOp::Insert {
                new_index, new_len, ..
            } => rows.extend((new_index..new_index + new_len).map(Row::OnlyB)),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let both = old_len.min(new_len);
                rows.extend((0..both).map(|k| Row::Changed(old_index + k, new_index + k)));
                rows.extend((old_index + both..old_index + old_len).map(Row::OnlyA));
                rows.extend((new_index + both..new_index + new_len).map(Row::OnlyB));
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::traced::run::tests::call;
    use crate::trace::Event;

    fn thread<'a>(name: &str, events: &'a [Event]) -> Thread<'a> {
        let refs: Vec<&Event> = events.iter().collect();
        Thread::of(name.into(), String::new(), &refs)
    }

    /// A `socket` call, which works on no descriptor and returns one.
    fn socket(seq: u64, pid: u32, ret: i64) -> Event {
        let mut e = call(seq, pid, pid, "socket", 0, ret);
        e.fd = None;
        e
    }

    #[test]
    fn a_missing_call_is_a_row_of_one_side() {
        let a = [
            socket(1, 1, 3),
            call(2, 1, 1, "setsockopt", 3, 0),
            call(3, 1, 1, "bind", 3, 0),
        ];
        let b = [socket(1, 2, 5), call(2, 2, 2, "bind", 5, 0)];
        let (ta, tb) = (thread("veilleur", &a), thread("veilleur", &b));
        let pairs = pair(std::slice::from_ref(&ta), std::slice::from_ref(&tb));
        assert_eq!(pairs.len(), 1);
        assert_eq!(
            pairs[0].rows,
            [Row::Same(0, 0), Row::OnlyA(1), Row::Same(2, 1)]
        );
        assert_eq!(pairs[0].first_divergence(), Some(1));
    }

    #[test]
    fn threads_pair_by_name_then_by_order() {
        let a1 = [call(1, 1, 1, "accept4", 3, 4)];
        let a2 = [call(2, 1, 5, "recvfrom", 4, 0)];
        let b1 = [call(1, 2, 2, "recvfrom", 4, 0)];
        let b2 = [call(2, 2, 2, "accept4", 3, 4)];
        let a = [thread("veilleur", &a1), thread("exécutant-1", &a2)];
        let b = [thread("thread-7", &b1), thread("veilleur", &b2)];
        let pairs = pair(&a, &b);
        let labels: Vec<&str> = pairs.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["veilleur", "exécutant-1 / thread-7"]);
        assert!(pairs.iter().all(|p| p.first_divergence().is_none()));
    }
}
