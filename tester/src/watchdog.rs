//! Watching a run from outside it: a thread that measures the CPU time the
//! running thread has used (Linux: `/proc/self/task/<tid>/stat`, std only)
//! and hands a report to a callback when a run exceeds its CPU limit or stops
//! using CPU altogether (blocked, stopped). A looping thread cannot be stopped
//! from another thread, so the callbacks of `cargo test`, `lab run` and `lab
//! worker` print the report and end the process.
//!
//! The watchdog never touches a run. The harness only stores the virtual
//! time it has reached ([`note_reached`]: one relaxed store per simulator
//! event, into a slot of the watched thread), so determinism is untouched.
//! Where `/proc` is missing (not Linux), wall-clock time stands in for CPU
//! time, and the messages say so.

use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::thread;
use std::time::{Duration, Instant as WallClock};

/// Linux reports CPU time in clock ticks of `USER_HZ`, 100 per second on
/// every architecture Rust supports (it is part of the kernel's ABI).
const TICKS_PER_SECOND: u64 = 100;

/// The user plus system CPU time in a `/proc/.../stat` line (fields 14 and
/// 15; the command name, field 2, may hold spaces and parentheses).
pub fn parse_stat_cpu(stat: &str) -> Option<Duration> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    let ticks = user + system;
    Some(Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
}

/// Whether a `/proc/.../stat` line says the thread wants the CPU: running
/// or runnable (`R`), or in an uninterruptible wait such as paging in its
/// binary (`D`). A thread in either state is not stuck, however little CPU a
/// loaded machine gives it; only a sleeping (`S`) or stopped (`T`) one is.
pub fn parse_stat_wants_cpu(stat: &str) -> bool {
    let after_name = stat.rfind(')').map_or("", |i| &stat[i + 1..]);
    matches!(after_name.split_whitespace().next(), Some("R" | "D"))
}

/// The CPU time process `pid` has used, all its threads together (`None`
/// where `/proc` is missing or the process is gone).
pub fn process_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat_cpu(&stat)
}

/// Whether process `pid`'s main thread wants the CPU ([`parse_stat_wants_cpu`]).
pub fn process_wants_cpu(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| parse_stat_wants_cpu(&stat))
}

/// One thread's CPU clock: the path of its `stat` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadCpu {
    stat: String,
}

impl ThreadCpu {
    /// The calling thread's clock (`/proc/thread-self` names it), or `None`
    /// where `/proc` is missing.
    pub fn current() -> Option<ThreadCpu> {
        let link = std::fs::read_link("/proc/thread-self").ok()?;
        let clock = ThreadCpu {
            stat: format!("/proc/{}/stat", link.display()),
        };
        clock.used().map(|_| clock)
    }

    /// The CPU time the thread has used so far.
    pub fn used(&self) -> Option<Duration> {
        parse_stat_cpu(&std::fs::read_to_string(&self.stat).ok()?)
    }

    /// Whether the thread wants the CPU now ([`parse_stat_wants_cpu`]).
    pub fn wants_cpu(&self) -> bool {
        std::fs::read_to_string(&self.stat).is_ok_and(|stat| parse_stat_wants_cpu(&stat))
    }
}

thread_local! {
    /// This thread's CPU clock, found once per thread (a sweep's worker
    /// watches hundreds of thousands of runs on one thread).
    static CLOCK: Option<ThreadCpu> = ThreadCpu::current();
    /// This thread's slot for the virtual time reached, made once per thread.
    static SLOT: &'static AtomicU64 = Box::leak(Box::new(AtomicU64::new(0)));
    /// The slot while a watchdog watches this thread.
    static WATCHED: Cell<Option<&'static AtomicU64>> = const { Cell::new(None) };
    /// While a watchdog watches this thread: its limit and the thread's CPU
    /// time when the run started.
    static BUDGET: Cell<Option<(Duration, Duration)>> = const { Cell::new(None) };
}

/// The CPU time the run watched on this thread has used, and its limit;
/// `None` when no watchdog watches it or there is no CPU clock. A run that
/// may do more work (a failure's root-cause re-run) asks first.
pub fn cpu_used() -> Option<(Duration, Duration)> {
    let (limit, at_start) = BUDGET.with(Cell::get)?;
    let now = CLOCK.with(|c| c.as_ref().and_then(ThreadCpu::used))?;
    Some((now.saturating_sub(at_start), limit))
}

/// The harness calls this for every simulator event with the event's
/// virtual time; a relaxed store when a watchdog watches this thread.
#[inline]
pub fn note_reached(virtual_ms: u64) {
    WATCHED.with(|w| {
        if let Some(slot) = w.get() {
            slot.store(virtual_ms, Ordering::Relaxed);
        }
    });
}

/// Why a watchdog fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpiryKind {
    /// The run used more CPU time than its limit.
    CpuLimit,
    /// The run used no CPU at all for this long of wall-clock time.
    NoProgress,
}

/// What a watchdog reports when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expiry {
    /// Why.
    pub kind: ExpiryKind,
    /// The limit (CPU time; for `NoProgress`, wall time without CPU).
    pub limit: Duration,
    /// The virtual time the run had reached, in ms.
    pub reached_ms: u64,
    /// Whether CPU time was measured (false: wall time stood in for it).
    pub cpu_measured: bool,
}

impl Expiry {
    /// The check's name in reports: `cpu-limit` or `no-progress`.
    pub fn check(&self) -> &'static str {
        match self.kind {
            ExpiryKind::CpuLimit => "cpu-limit",
            ExpiryKind::NoProgress => "no-progress",
        }
    }
}

impl fmt::Display for Expiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let limit = fmt_limit(self.limit);
        match (self.kind, self.cpu_measured) {
            (ExpiryKind::CpuLimit, true) => write!(f, "exceeded the CPU limit of {limit}"),
            (ExpiryKind::CpuLimit, false) => write!(
                f,
                "exceeded the time limit of {limit} (wall-clock: no CPU clock on this system)"
            ),
            (ExpiryKind::NoProgress, _) => write!(
                f,
                "stopped answering: used no CPU for {limit} (blocked or stopped)"
            ),
        }
    }
}

/// `60 s`, or `1.5 s`, or `250 ms`.
fn fmt_limit(limit: Duration) -> String {
    let ms = limit.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        format!("{} s", limit.as_secs_f64())
    }
}

/// What the watchdog calls when a run expires, on its own thread. It may
/// end the process; if it returns, the run is no longer watched.
pub type OnExpiry = Box<dyn FnOnce(Expiry) + Send>;

/// A run being watched.
struct Armed {
    clock: Option<ThreadCpu>,
    started: WallClock,
    cpu_at_start: Duration,
    cpu_last: Duration,
    progress_at: WallClock,
    reached: &'static AtomicU64,
    on_expiry: OnExpiry,
}

impl Armed {
    /// CPU time used since the run started (wall time without a clock).
    fn used(&self) -> Option<Duration> {
        match &self.clock {
            Some(clock) => clock
                .used()
                .map(|cpu| cpu.saturating_sub(self.cpu_at_start)),
            None => Some(self.started.elapsed()),
        }
    }

    /// The expiry due now, if any.
    fn due(&mut self, limit: Duration) -> Option<ExpiryKind> {
        let used = self.used()?;
        if used > limit {
            return Some(ExpiryKind::CpuLimit);
        }
        let waiting = self.clock.as_ref().is_none_or(ThreadCpu::wants_cpu);
        if used > self.cpu_last || waiting {
            self.cpu_last = used;
            self.progress_at = WallClock::now();
        } else if self.progress_at.elapsed() > limit {
            return Some(ExpiryKind::NoProgress);
        }
        None
    }
}

/// A thread watching whichever run is armed (one at a time). Dropping the
/// watchdog stops its thread.
pub struct Watchdog {
    limit: Duration,
    armed: Arc<Mutex<Option<Armed>>>,
    stop: Arc<AtomicBool>,
}

impl Watchdog {
    /// A watchdog that fires after `limit` of CPU time (or `limit` of wall
    /// time without any CPU used).
    pub fn new(limit: Duration) -> Watchdog {
        let armed: Arc<Mutex<Option<Armed>>> = Arc::new(Mutex::new(None));
        let stop = Arc::new(AtomicBool::new(false));
        let poll = (limit / 20).clamp(Duration::from_millis(10), Duration::from_millis(250));
        let (weak, stopped) = (Arc::downgrade(&armed), Arc::clone(&stop));
        thread::Builder::new()
            .name("lab-watchdog".into())
            .spawn(move || watch_loop(&weak, &stopped, limit, poll))
            .expect("a watchdog thread starts");
        Watchdog { limit, armed, stop }
    }

    /// The limit.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// Runs `run` on this thread under the watchdog: if it exceeds the
    /// limit, `on_expiry` gets the report (on the watchdog's thread).
    pub fn watch<T>(&self, on_expiry: OnExpiry, run: impl FnOnce() -> T) -> T {
        let clock = CLOCK.with(Option::clone);
        let cpu_at_start = clock.as_ref().and_then(ThreadCpu::used).unwrap_or_default();
        let has_clock = clock.is_some();
        let reached = SLOT.with(|s| *s);
        reached.store(0, Ordering::Relaxed);
        let now = WallClock::now();
        *self.armed.lock().expect("not poisoned") = Some(Armed {
            clock,
            started: now,
            cpu_at_start,
            cpu_last: Duration::ZERO,
            progress_at: now,
            reached,
            on_expiry,
        });
        WATCHED.with(|w| w.set(Some(reached)));
        // Without a CPU clock the budget is not known.
        BUDGET.with(|b| b.set(has_clock.then_some((self.limit, cpu_at_start))));
        let _disarm = Disarm(&self.armed);
        run()
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Disarms when the watched run returns (or unwinds).
struct Disarm<'a>(&'a Mutex<Option<Armed>>);

impl Drop for Disarm<'_> {
    fn drop(&mut self) {
        WATCHED.with(|w| w.set(None));
        BUDGET.with(|b| b.set(None));
        // Waits for an expiry callback in progress: it may be ending the
        // process, and the run's own result must not be printed after it.
        let mut armed = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *armed = None;
    }
}

/// The watchdog thread: checks the armed run every `poll`.
fn watch_loop(
    armed: &Weak<Mutex<Option<Armed>>>,
    stop: &AtomicBool,
    limit: Duration,
    poll: Duration,
) {
    while !stop.load(Ordering::Relaxed) {
        thread::sleep(poll);
        let Some(armed) = armed.upgrade() else { return };
        let mut slot = armed.lock().unwrap_or_else(|e| e.into_inner());
        let Some(kind) = slot.as_mut().and_then(|a| a.due(limit)) else {
            continue;
        };
        let run = slot.take().expect("armed");
        let expiry = Expiry {
            kind,
            limit,
            reached_ms: run.reached.load(Ordering::Relaxed),
            cpu_measured: run.clock.is_some(),
        };
        // Called with the lock held: the run's disarm waits for it.
        (run.on_expiry)(expiry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn stat_lines_give_user_plus_system_time() {
        let stat = "4242 (a (weird) name) R 1 2 3 4 5 6 7 8 9 10 150 50 0 0 20 0 1 0";
        assert_eq!(parse_stat_cpu(stat), Some(Duration::from_millis(2000)));
        assert_eq!(parse_stat_cpu("garbage"), None);
        assert!(parse_stat_wants_cpu("7 (a (b) c) R 1 2"));
        assert!(parse_stat_wants_cpu("7 (lab) D 1 2"));
        assert!(!parse_stat_wants_cpu("7 (lab) S 1 2"));
        assert!(!parse_stat_wants_cpu("7 (lab) T 1 2"));
        assert!(!parse_stat_wants_cpu("garbage"));
    }

    #[test]
    fn this_thread_has_a_cpu_clock_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(ThreadCpu::current().is_some());
            assert!(process_cpu(std::process::id()).is_some());
        }
    }

    /// Runs `work` under a watchdog of `limit`; the expiry it reported.
    fn expiry_of(limit_ms: u64, work: impl FnOnce(&AtomicBool)) -> Expiry {
        let dog = Watchdog::new(Duration::from_millis(limit_ms));
        let fired = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel();
        let flag = Arc::clone(&fired);
        let on_expiry: OnExpiry = Box::new(move |e| {
            tx.send(e).unwrap();
            flag.store(true, Ordering::SeqCst);
        });
        dog.watch(on_expiry, || {
            note_reached(1234);
            work(&fired);
        });
        rx.recv().expect("the watchdog fired")
    }

    #[test]
    fn a_looping_run_exceeds_its_cpu_limit() {
        let e = expiry_of(500, |fired| {
            while !fired.load(Ordering::SeqCst) {
                std::hint::spin_loop();
            }
        });
        if e.cpu_measured {
            assert_eq!(e.kind, ExpiryKind::CpuLimit);
            assert_eq!(e.to_string(), "exceeded the CPU limit of 500 ms");
        }
        assert_eq!(e.reached_ms, 1234);
    }

    #[test]
    fn a_blocked_run_stops_answering() {
        let e = expiry_of(200, |fired| {
            while !fired.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(20));
            }
        });
        if e.cpu_measured {
            assert_eq!(e.kind, ExpiryKind::NoProgress);
            assert_eq!(e.check(), "no-progress");
            assert!(e.to_string().starts_with("stopped answering"));
        }
    }

    #[test]
    fn a_quick_run_is_not_reported() {
        let dog = Watchdog::new(Duration::from_millis(50));
        let (tx, rx) = mpsc::channel::<Expiry>();
        let sum = dog.watch(Box::new(move |e| tx.send(e).unwrap()), || 2 + 2);
        assert_eq!(sum, 4);
        thread::sleep(Duration::from_millis(120));
        assert!(rx.try_recv().is_err(), "disarmed when the run returned");
    }

    #[test]
    fn a_watched_run_knows_its_cpu_budget_and_an_unwatched_one_has_none() {
        assert_eq!(cpu_used(), None);
        let dog = Watchdog::new(Duration::from_secs(30));
        let inside = dog.watch(Box::new(|_| {}), cpu_used);
        if cfg!(target_os = "linux") {
            let (used, limit) = inside.expect("a budget while watched");
            assert_eq!(limit, Duration::from_secs(30));
            assert!(used < limit, "{used:?}");
        }
        assert_eq!(cpu_used(), None, "no budget once the run returned");
    }
}
