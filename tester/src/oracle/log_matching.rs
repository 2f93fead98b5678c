//! Log matching (§5.3, Figure 3): if two logs have an entry with the same
//! index and term, they are identical in all entries up to that index.
//!
//! Only indices both servers still know are compared: from the later of the
//! two snapshot indices (whose term is kept) to the shorter log's end.
//! Entries inside a snapshot are committed; the stored-on-majority and
//! applied-agree oracles watch those.

use super::{LOG_MATCHING, Violation};
use raftapi::{Inspection, LogIndex, Term};

/// Where two logs break log matching: they agree at `agree` but differ at
/// the earlier index `differ`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// An index where both have an entry of the same term.
    pub agree: LogIndex,
    /// An earlier index where their terms differ.
    pub differ: LogIndex,
}

/// The terms `x` holds at `from..=to`, all after its snapshot index.
fn terms(x: &Inspection, from: u64, to: u64) -> &[Term] {
    let base = x.snapshot_index.0 + 1;
    &x.log_terms[(from - base) as usize..=(to - base) as usize]
}

/// The indices both `a` and `b` know: from the later snapshot index (whose
/// term is kept) to the shorter log's end. Empty when `low > high`.
fn overlap(a: &Inspection, b: &Inspection) -> (u64, u64) {
    let low = a.snapshot_index.0.max(b.snapshot_index.0);
    let high = a.last_log_index().0.min(b.last_log_index().0);
    (low, high)
}

/// How far `a` and `b` agree: the last index of the overlap before the
/// first index at which their terms differ (the overlap's end if none).
/// Indices before `from` are taken to agree.
pub fn agreed_prefix(a: &Inspection, b: &Inspection, from: u64) -> u64 {
    match first_difference(a, b, from) {
        Some(differ) => differ - 1,
        None => overlap(a, b).1,
    }
}

/// The first index from `from` on at which `a` and `b` have different terms.
fn first_difference(a: &Inspection, b: &Inspection, from: u64) -> Option<u64> {
    let (low, high) = overlap(a, b);
    let mut index = from.max(low);
    if index > high {
        return None;
    }
    if index == low {
        // The later snapshot index: its term is the snapshot's term.
        if a.term_at(LogIndex(low)) != b.term_at(LogIndex(low)) {
            return Some(low);
        }
        index += 1;
        if index > high {
            return None;
        }
    }
    let (sa, sb) = (terms(a, index, high), terms(b, index, high));
    let k = first_mismatch(sa, sb)?;
    Some(index + k as u64)
}

/// The first position at which `a` and `b` differ, over the shorter one.
/// Compared a chunk at a time without an early exit inside the chunk, which
/// the compiler turns into vector code: the oracles compare whole logs after
/// every input.
pub fn first_mismatch(a: &[Term], b: &[Term]) -> Option<usize> {
    const CHUNK: usize = 16;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut start = 0;
    for (ca, cb) in a.chunks_exact(CHUNK).zip(b.chunks_exact(CHUNK)) {
        if ca.iter().zip(cb).fold(0, |acc, (x, y)| acc | (x.0 ^ y.0)) != 0 {
            break;
        }
        start += CHUNK;
    }
    let k = a[start..]
        .iter()
        .zip(&b[start..])
        .position(|(x, y)| x != y)?;
    Some(start + k)
}

/// Checks log matching between `a` and `b`, knowing that they agree on
/// every index before `from`. Returns how far they agree (for the next
/// call's `from`), or where they break log matching: after the first index
/// where the terms differ, no later index may have equal terms.
pub fn scan(a: &Inspection, b: &Inspection, from: u64) -> Result<u64, Mismatch> {
    let Some(differ) = first_difference(a, b, from) else {
        return Ok(overlap(a, b).1);
    };
    let high = overlap(a, b).1;
    if differ < high {
        let (sa, sb) = (terms(a, differ + 1, high), terms(b, differ + 1, high));
        if let Some(k) = sa.iter().zip(sb).position(|(x, y)| x == y) {
            return Err(Mismatch {
                agree: LogIndex(differ + 1 + k as u64),
                differ: LogIndex(differ),
            });
        }
    }
    Ok(differ - 1)
}

/// What earlier scans of two logs established: they agree on every index
/// up to `agreed` that both hold; when `agreed < checked`, they differ at
/// `agreed + 1` and have no equal terms from there through `checked`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Known {
    /// How far they agree.
    pub agreed: u64,
    /// How far they were compared.
    pub checked: u64,
}

impl Known {
    /// What still holds once one of the logs changed past index `kept`.
    pub fn kept(self, kept: u64) -> Known {
        Known {
            agreed: self.agreed.min(kept),
            checked: self.checked.min(kept),
        }
    }
}

/// [`scan`], knowing `known`: two logs that were seen to differ (and
/// still hold the entries where they do) are compared only past what was
/// checked, so that a diverged follower and a leader appending do not
/// compare the whole divergence after every append. Same verdicts as
/// `scan(a, b, known.agreed + 1)`.
pub fn rescan(a: &Inspection, b: &Inspection, known: Known) -> Result<Known, Mismatch> {
    let (low, high) = overlap(a, b);
    let (differ, checked) = (known.agreed + 1, known.checked.min(high));
    if known.agreed < checked && differ > low {
        let from = checked + 1;
        if from <= high {
            let (sa, sb) = (terms(a, from, high), terms(b, from, high));
            if let Some(k) = sa.iter().zip(sb).position(|(x, y)| x == y) {
                return Err(Mismatch {
                    agree: LogIndex(from + k as u64),
                    differ: LogIndex(differ),
                });
            }
        }
        return Ok(Known {
            agreed: known.agreed,
            checked: high,
        });
    }
    let agreed = scan(a, b, differ)?;
    Ok(Known {
        agreed,
        checked: high.max(agreed),
    })
}

/// The first break of log matching between `a` and `b`, if any.
pub fn find_mismatch(a: &Inspection, b: &Inspection) -> Option<Mismatch> {
    scan(a, b, 0).err()
}

/// Checks server `i`'s log against server `j`'s, knowing `known` (see
/// [`rescan`]); `Ok` with what is known then.
pub fn check_pair(
    i: usize,
    a: &Inspection,
    j: usize,
    b: &Inspection,
    known: Known,
) -> Result<Known, Violation> {
    let m = match rescan(a, b, known) {
        Ok(known) => return Ok(known),
        Err(m) => m,
    };
    let term = |x: &Inspection, index| x.term_at(index).map_or(0, |t| t.0);
    Err(Violation {
        check: LOG_MATCHING,
        message: format!(
            "S{i} and S{j} both have index {} in term {}, but differ at index {} (S{i} term {}, S{j} term {})",
            m.agree.0,
            term(a, m.agree),
            m.differ.0,
            term(a, m.differ),
            term(b, m.differ)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::tests::view;

    #[test]
    fn a_prefix_and_a_divergent_suffix_match() {
        let a = view(0, 0, &[1, 1, 2, 2]);
        let b = view(0, 0, &[1, 1, 3]);
        assert_eq!(find_mismatch(&a, &b), None);
        assert_eq!(find_mismatch(&a, &view(0, 0, &[1, 1])), None);
        assert_eq!(find_mismatch(&a, &view(0, 0, &[])), None);
    }

    #[test]
    fn equal_terms_after_a_difference_break_log_matching() {
        let a = view(0, 0, &[1, 1, 2, 3]);
        let b = view(0, 0, &[1, 2, 2, 3]);
        let m = find_mismatch(&a, &b).unwrap();
        assert_eq!((m.agree, m.differ), (LogIndex(3), LogIndex(2)));
        let v = check_pair(0, &a, 1, &b, Known::default()).unwrap_err();
        assert_eq!(v.check, LOG_MATCHING);
        assert_eq!(
            v.message,
            "S0 and S1 both have index 3 in term 2, but differ at index 2 (S0 term 1, S1 term 2)"
        );
    }

    #[test]
    fn snapshots_hide_what_they_cover() {
        // a: snapshot to 2 (term 1), then 3..=4; b: a full log.
        let a = view(2, 1, &[2, 2]);
        assert_eq!(find_mismatch(&a, &view(0, 0, &[9, 1, 2, 2])), None);
        // The snapshot's own term counts.
        let m = find_mismatch(&a, &view(0, 0, &[1, 3, 2, 2])).unwrap();
        assert_eq!((m.agree, m.differ), (LogIndex(3), LogIndex(2)));
    }

    /// Random logs that grow, get truncated, rewritten and compacted: what
    /// `rescan` finds from what earlier scans established is what a scan
    /// from the agreed prefix finds.
    #[test]
    fn rescans_find_what_scans_find() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut draw = |n: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % n
        };
        for _ in 0..200 {
            let mut logs = [view(0, 0, &[]), view(0, 0, &[])];
            let mut known = Known::default();
            for _ in 0..60 {
                let side = draw(2) as usize;
                let old = logs[side].clone();
                let log = &mut logs[side];
                match draw(6) {
                    0 if log.log_terms.len() > 1 => {
                        let keep = draw(log.log_terms.len() as u64) as usize;
                        log.log_terms.truncate(keep);
                    }
                    1 if log.log_terms.len() > 2 => {
                        let k = 1 + draw(log.log_terms.len() as u64 - 1) as usize;
                        log.snapshot_term = log.log_terms[k - 1];
                        log.snapshot_index.0 += k as u64;
                        log.log_terms.drain(..k);
                    }
                    2 if !log.log_terms.is_empty() => {
                        let k = draw(log.log_terms.len() as u64) as usize;
                        log.log_terms[k] = Term(1 + draw(4));
                    }
                    _ => {
                        for _ in 0..=draw(4) {
                            log.log_terms.push(Term(1 + draw(4)));
                        }
                    }
                }
                let kept = if old.snapshot_index <= log.snapshot_index {
                    agreed_prefix(&old, log, 0)
                } else {
                    0
                };
                let [a, b] = &logs;
                let known_now = known.kept(kept);
                let rescanned = rescan(a, b, known_now);
                let scanned = scan(a, b, known_now.agreed + 1);
                assert_eq!(
                    rescanned.map(|k| k.agreed),
                    scanned,
                    "{a:?} {b:?} {known_now:?}"
                );
                match rescanned {
                    Ok(k) => known = k,
                    Err(_) => break,
                }
            }
        }
    }

    #[test]
    fn scans_report_how_far_logs_agree() {
        let a = view(0, 0, &[1, 1, 2, 2]);
        assert_eq!(scan(&a, &view(0, 0, &[1, 1, 3]), 0), Ok(2));
        assert_eq!(scan(&a, &a, 0), Ok(4));
        assert_eq!(scan(&a, &view(3, 2, &[2, 2]), 0), Ok(4));
        // What is known to agree is not scanned again.
        assert_eq!(scan(&a, &view(0, 0, &[9, 9, 2, 2]), 3), Ok(4));
        assert_eq!(agreed_prefix(&a, &view(0, 0, &[1, 2, 2, 2]), 0), 1);
    }
}
