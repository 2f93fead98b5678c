//! Executing a concrete scenario on a [`Tester`]: the fault phase (timed
//! events, generators, clients submitting to whoever says it leads), then
//! the liveness phase (heal everything; a leader and a fresh commit on a
//! majority must follow). Safety comes from the harness's appliers
//! (`checkLogs`) and `nCommitted` on every index a client saw.

use super::format::{Action, Event, Generator, Profile, Scenario};
use super::parse::{Groups, Member, parse_groups};
use crate::cmd::Cmd;
use crate::edition::Edition;
use crate::failure::{Check, Failure, Kind};
use crate::harness::{Setup, Tester};
use crate::stats::Summary;
use labrpc::{FaultModel, Time};
use raftapi::Raft;

/// Pending client commands are checked this often.
const CHECK_EVERY_MS: u64 = 500;
/// The liveness phase polls for a leader this often.
const LEADER_POLL_MS: u64 = 50;

/// The cluster set-up of a concrete scenario.
pub fn setup(s: &Scenario) -> Setup {
    Setup {
        servers: s.servers.expect("a concrete scenario has servers"),
        reliable: s.network.profile == Profile::Reliable,
        snapshot: s.snapshot,
    }
}

/// The fault model of the fault phase.
pub fn fault_model(s: &Scenario) -> FaultModel {
    let d = FaultModel::default();
    let n = &s.network;
    FaultModel {
        request_drop_per_mille: n.request_drop_per_mille.unwrap_or(d.request_drop_per_mille),
        reply_drop_per_mille: n.reply_drop_per_mille.unwrap_or(d.reply_drop_per_mille),
        short_delay_ms_bound: n.max_delay_ms.map_or(d.short_delay_ms_bound, |m| m + 1),
        reorder_per_900: n.reorder_per_900.unwrap_or(d.reorder_per_900),
        reorder_base_ms: n.reorder_base_ms.unwrap_or(d.reorder_base_ms),
        reorder_spread_ms: n.reorder_spread_ms.unwrap_or(d.reorder_spread_ms),
        ..d
    }
}

/// A fault resolved against the cluster at the moment it fires.
#[derive(Clone, Debug)]
enum Fault {
    Partition(Groups),
    OneWay(Groups),
    Crash(String),
    Restart(String),
    Clog(Groups, u64, u64),
    Heal,
}

/// The run's state beside the tester.
struct Run {
    n: usize,
    t0: u64,
    allowed: Vec<Vec<bool>>,
    /// `clogs[i][j]`: extra delay on i -> j and when it ends (relative ms).
    clogs: Vec<Vec<Option<(u64, u64)>>>,
    /// (relative time, event) for every firing of every event.
    timeline: Vec<(u64, Fault)>,
    next_timeline: usize,
    generators: Vec<(Generator, Option<u64>)>,
    clients_next: Vec<u64>,
    interval_ms: u64,
    pending: Vec<(u64, i64)>,
    submitted: u64,
    committed: u64,
}

/// Runs scenario `s` on `t`; `drew` is the swarm's line, if any.
pub fn execute<R: Raft>(s: &Scenario, drew: Option<&str>, t: &mut Tester<R>) -> Check<Summary> {
    let n = t.servers();
    if s.network.profile != Profile::Reliable {
        t.set_fault_model(fault_model(s));
    }
    t.set_long_reordering(s.network.long_reordering);
    if let Some(line) = drew {
        t.print(line);
    }
    t.begin(&format!("Scenario {}", s.name));
    let mut run = Run::new(s, n, t.now().0);
    install_crash_points(s, &run, t);
    let mut next_check = CHECK_EVERY_MS;
    loop {
        let now = t.now().0 - run.t0;
        run.restart_crashed(t);
        run.fire_due(t, now)?;
        if now >= next_check {
            run.check_pending(t)?;
            next_check = now + CHECK_EVERY_MS;
        }
        if now >= s.duration_ms {
            break;
        }
        let next = run.next_due().min(next_check).min(s.duration_ms);
        let next = next.min(t.next_crash_restart().map_or(u64::MAX, |at| at.0 - run.t0));
        t.sleep(next.max(now + 1) - now)?;
    }
    liveness(s, &mut run, t)?;
    let sum = t.summary();
    t.print(format!(
        "  ... Passed --  time {:4.1}s #peers {} #RPCs {:5} #bytes {:7} #cmds {:4} submitted {} seen committed {}",
        sum.seconds, sum.peers, sum.rpcs, sum.bytes, sum.commands, run.submitted, run.committed
    ));
    Ok(sum)
}

/// Heals everything, then requires a leader within `liveness_ms` and a fresh
/// command applied on a majority (`one`).
fn liveness<R: Raft>(s: &Scenario, run: &mut Run, t: &mut Tester<R>) -> Check {
    t.set_crash_points(&[]);
    t.set_reliable(true);
    t.set_long_reordering(false);
    t.set_fault_model(FaultModel::default());
    for i in 0..run.n {
        if !t.is_up(i) {
            run.restart(t, i);
        }
    }
    run.heal(t);
    let healed = t.now();
    let oracle = |message: String, at: Time| Failure {
        kind: Kind::Oracle,
        check: "liveness",
        message,
        at,
        bare: false,
    };
    while !(0..run.n).any(|i| t.get_state(i).is_some_and(|(_, leader)| leader)) {
        if t.now().ms_since(healed) >= s.liveness_ms {
            return Err(oracle(
                format!(
                    "no leader within {} ms after healing every fault",
                    s.liveness_ms
                ),
                t.now(),
            ));
        }
        t.sleep(LEADER_POLL_MS)?;
    }
    if let Some((leader, term)) = (0..run.n).find_map(|i| {
        t.get_state(i)
            .filter(|&(_, l)| l)
            .map(|(term, _)| (i, term))
    }) {
        t.note_leader("liveness", leader, term);
    }
    let x = t.rand_int();
    match t.one(Cmd::Int(x), run.n / 2 + 1, true) {
        Err(f) if f.check == "one" => Err(oracle(
            format!(
                "a leader appeared after healing, but no fresh command was applied on a majority: {}",
                f.message
            ),
            f.at,
        )),
        other => other.map(|_| ()),
    }?;
    run.check_pending(t)
}

/// Installs the file's `[[crash_point]]`s (none: nothing changes).
fn install_crash_points<R: Raft>(s: &Scenario, run: &Run, t: &mut Tester<R>) {
    let points: Vec<_> = s
        .crash_points
        .iter()
        .map(|c| super::crash_point::to_point(c.get_ref(), run.n, Time(run.t0), s.duration_ms))
        .collect();
    t.set_crash_points(&points);
}

impl Run {
    /// Restarts the servers a crash point crashed, once their delay is over
    /// (unless an event restarted them first).
    fn restart_crashed<R: Raft>(&mut self, t: &mut Tester<R>) {
        for i in t.take_due_restarts() {
            if !t.is_up(i) {
                self.restart(t, i);
            }
        }
    }

    fn new(s: &Scenario, n: usize, t0: u64) -> Run {
        let mut timeline = Vec::new();
        for e in &s.events {
            let e = e.get_ref();
            let fault = to_fault(e, n);
            let until = e.until_ms.unwrap_or(s.duration_ms).min(s.duration_ms);
            let mut at = e.at_ms;
            loop {
                timeline.push((at, fault.clone()));
                match e.every_ms {
                    Some(every) if at + every < until => at += every,
                    _ => break,
                }
            }
        }
        // A stable sort: events at the same time fire in file order.
        timeline.sort_by_key(|(at, _)| *at);
        let clients = s.workload.clients;
        let interval_ms = (1000 / s.workload.commands_per_second).max(1);
        Run {
            n,
            t0,
            allowed: vec![vec![true; n]; n],
            clogs: vec![vec![None; n]; n],
            timeline,
            next_timeline: 0,
            generators: s
                .generators
                .iter()
                .map(|g| (g.get_ref().clone(), None))
                .collect(),
            clients_next: (0..clients)
                .map(|k| 1 + k as u64 * interval_ms / clients as u64)
                .collect(),
            interval_ms,
            pending: Vec::new(),
            submitted: 0,
            committed: 0,
        }
    }

    /// The next time anything is due (relative ms).
    fn next_due(&self) -> u64 {
        let timeline = self.timeline.get(self.next_timeline).map(|(at, _)| *at);
        let generators = self.generators.iter().filter_map(|(_, at)| *at);
        let clogs = self
            .clogs
            .iter()
            .flatten()
            .flatten()
            .map(|(_, until)| *until);
        let clients = self.clients_next.iter().copied();
        timeline
            .into_iter()
            .chain(generators)
            .chain(clogs)
            .chain(clients)
            .min()
            .unwrap_or(u64::MAX)
    }

    fn fire_due<R: Raft>(&mut self, t: &mut Tester<R>, now: u64) -> Check {
        while let Some((at, fault)) = self.timeline.get(self.next_timeline)
            && *at <= now
        {
            let fault = fault.clone();
            self.next_timeline += 1;
            self.apply(t, &fault, now);
        }
        for k in 0..self.generators.len() {
            self.maybe_generate(t, k, now);
        }
        self.expire_clogs(t, now);
        for c in 0..self.clients_next.len() {
            if self.clients_next[c] <= now {
                self.submit(t)?;
                self.clients_next[c] = now + self.interval_ms;
            }
        }
        Ok(())
    }

    fn apply<R: Raft>(&mut self, t: &mut Tester<R>, fault: &Fault, now: u64) {
        match fault {
            Fault::Partition(groups) => {
                let of = self.resolve(t, groups);
                self.allowed = (0..self.n)
                    .map(|i| {
                        (0..self.n)
                            .map(|j| i == j || (of[i].is_some() && of[i] == of[j]))
                            .collect()
                    })
                    .collect();
                self.set_links(t);
            }
            Fault::OneWay(groups) => {
                let of = self.resolve(t, groups);
                for i in 0..self.n {
                    for j in 0..self.n {
                        if of[i] == Some(0) && of[j] == Some(1) {
                            self.allowed[i][j] = false;
                        }
                    }
                }
                self.set_links(t);
            }
            Fault::Crash(who) => {
                if let Some(i) = self.pick_crash(t, who) {
                    t.crash(i);
                }
            }
            Fault::Restart(who) => {
                let down: Vec<usize> = (0..self.n).filter(|&i| !t.is_up(i)).collect();
                let chosen: Vec<usize> = match who.as_str() {
                    "all" => down,
                    "random" if down.is_empty() => Vec::new(),
                    "random" => vec![down[t.rand(down.len() as u64) as usize]],
                    index => {
                        let i: usize = index.parse().expect("checked when parsed");
                        down.into_iter().filter(|&d| d == i).collect()
                    }
                };
                for i in chosen {
                    self.restart(t, i);
                }
            }
            Fault::Clog(groups, delay, for_ms) => {
                let of = self.resolve(t, groups);
                for i in 0..self.n {
                    for j in 0..self.n {
                        if of[i] == Some(0) && of[j] == Some(1) {
                            self.clog(t, i, j, *delay, now + for_ms);
                            self.clog(t, j, i, *delay, now + for_ms);
                        }
                    }
                }
            }
            Fault::Heal => self.heal(t),
        }
    }

    fn clog<R: Raft>(&mut self, t: &mut Tester<R>, i: usize, j: usize, delay: u64, until: u64) {
        self.clogs[i][j] = Some((delay, until));
        t.set_link_delay(i, j, delay);
    }

    fn expire_clogs<R: Raft>(&mut self, t: &mut Tester<R>, now: u64) {
        for i in 0..self.n {
            for j in 0..self.n {
                if self.clogs[i][j].is_some_and(|(_, until)| until <= now) {
                    self.clogs[i][j] = None;
                    t.set_link_delay(i, j, 0);
                }
            }
        }
    }

    /// Every link up, every clog cleared.
    fn heal<R: Raft>(&mut self, t: &mut Tester<R>) {
        self.allowed = vec![vec![true; self.n]; self.n];
        self.set_links(t);
        for i in 0..self.n {
            for j in 0..self.n {
                if self.clogs[i][j].take().is_some() {
                    t.set_link_delay(i, j, 0);
                }
            }
        }
    }

    fn set_links<R: Raft>(&self, t: &mut Tester<R>) {
        let allowed = &self.allowed;
        t.set_links(|i, j| allowed[i][j]);
    }

    /// Brings crashed server i back (the edition's `start1`/`StartServer`)
    /// with fresh ends under the links and clogs in force, not the course's
    /// `restart` (which connects everyone in 2025, and i to every connected
    /// server in 2026).
    fn restart<R: Raft>(&mut self, t: &mut Tester<R>, i: usize) {
        match t.edition() {
            Edition::Y2024 => t.start1(i),
            Edition::Y2025 | Edition::Y2026 => t.start_server(i),
        }
        self.set_links(t);
        for j in 0..self.n {
            for (a, b) in [(i, j), (j, i)] {
                if let Some((delay, _)) = self.clogs[a][b] {
                    t.set_link_delay(a, b, delay);
                }
            }
        }
    }

    fn pick_crash<R: Raft>(&self, t: &mut Tester<R>, who: &str) -> Option<usize> {
        let up: Vec<usize> = (0..self.n).filter(|&i| t.is_up(i)).collect();
        let leader = leader(t);
        let candidates: Vec<usize> = match who {
            "leader" => match leader {
                Some(l) => return Some(l),
                None => up,
            },
            "follower" => up.into_iter().filter(|&i| Some(i) != leader).collect(),
            "random" => up,
            index => {
                let i: usize = index.parse().expect("checked when parsed");
                return t.is_up(i).then_some(i);
            }
        };
        if candidates.is_empty() {
            return None;
        }
        Some(candidates[t.rand(candidates.len() as u64) as usize])
    }

    /// The group of each server (`None`: named by no group, cut off alone).
    fn resolve<R: Raft>(&self, t: &mut Tester<R>, groups: &Groups) -> Vec<Option<usize>> {
        let mut of: Vec<Option<usize>> = vec![None; self.n];
        for (g, members) in groups.iter().enumerate() {
            for m in members {
                if let Member::Server(i) = m {
                    of[*i] = Some(g);
                }
            }
        }
        for (g, members) in groups.iter().enumerate() {
            for m in members {
                if let Member::Leader(k) = m {
                    let l = leader(t).unwrap_or_else(|| t.rand(self.n as u64) as usize);
                    of[l] = Some(g);
                    assign_random(t, &mut of, g, *k);
                }
            }
        }
        for (g, members) in groups.iter().enumerate() {
            for m in members {
                if let Member::Any(k) = m {
                    assign_random(t, &mut of, g, *k);
                }
            }
        }
        for (g, members) in groups.iter().enumerate() {
            if members.contains(&Member::Rest) {
                for slot in of.iter_mut().filter(|s| s.is_none()) {
                    *slot = Some(g);
                }
            }
        }
        of
    }

    fn maybe_generate<R: Raft>(&mut self, t: &mut Tester<R>, k: usize, now: u64) {
        let (g, next) = self.generators[k].clone();
        let gap = |t: &mut Tester<R>| g.min_gap_ms + t.rand(g.max_gap_ms - g.min_gap_ms + 1);
        let next = match next {
            None => g.from_ms + gap(t),
            Some(at) if at > now => return,
            Some(_) => {
                if g.until_ms.is_none_or(|u| now <= u) {
                    let fault = self.generated_fault(t, &g);
                    self.apply(t, &fault, now);
                }
                now + gap(t)
            }
        };
        self.generators[k].1 = Some(next);
    }

    /// Draws one fault by the generator's weights.
    fn generated_fault<R: Raft>(&self, t: &mut Tester<R>, g: &Generator) -> Fault {
        let named = g.weights.named();
        let total: u64 = named.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut draw = t.rand(total);
        let kind = named
            .iter()
            .find(|(_, w)| {
                let hit = draw < u64::from(*w);
                draw = draw.saturating_sub(u64::from(*w));
                hit
            })
            .map_or("heal", |(k, _)| *k);
        let n = self.n;
        match kind {
            "partition" | "one_way" if n >= 2 => {
                let size = 1 + t.rand(n as u64 - 1) as usize;
                let groups = vec![vec![Member::Any(size)], vec![Member::Rest]];
                if kind == "partition" {
                    Fault::Partition(groups)
                } else {
                    Fault::OneWay(groups)
                }
            }
            "leader_plus_one" => {
                Fault::Partition(vec![vec![Member::Leader(1)], vec![Member::Rest]])
            }
            "isolate_leader" => Fault::Partition(vec![vec![Member::Leader(0)], vec![Member::Rest]]),
            "crash" => {
                let down = (0..n).filter(|&i| !t.is_up(i)).count();
                if down < g.max_crashed.unwrap_or((n - 1) / 2) {
                    Fault::Crash("random".into())
                } else {
                    Fault::Restart("random".into())
                }
            }
            "restart" => Fault::Restart("random".into()),
            "crash_leader" => {
                let down = (0..n).filter(|&i| !t.is_up(i)).count();
                if leader(t).is_some() && down < g.max_crashed.unwrap_or((n - 1) / 2) {
                    Fault::Crash("leader".into())
                } else {
                    Fault::Restart("random".into())
                }
            }
            "clog" if n >= 2 => {
                let delay = 1 + t.rand(g.clog_max_delay_ms);
                let for_ms = 1 + t.rand(g.clog_max_for_ms);
                Fault::Clog(
                    vec![vec![Member::Any(1)], vec![Member::Any(1)]],
                    delay,
                    for_ms,
                )
            }
            _ => Fault::Heal,
        }
    }

    /// One client command, given to every live server: the ones that think
    /// they lead accept it (like the churn clients).
    fn submit<R: Raft>(&mut self, t: &mut Tester<R>) -> Check {
        let x = t.rand_int();
        let bytes = Cmd::Int(x).encode();
        for i in 0..self.n {
            if let Some(started) = t.start_on(i, bytes.clone()) {
                self.pending.push((started.index.0, x));
                self.submitted += 1;
            }
        }
        Ok(())
    }

    /// `nCommitted` on every pending index (fails on disagreement).
    fn check_pending<R: Raft>(&mut self, t: &mut Tester<R>) -> Check {
        let mut still = Vec::with_capacity(self.pending.len());
        for &(index, x) in &self.pending {
            let (nd, cmd) = t.n_committed(index)?;
            if nd == 0 {
                still.push((index, x));
            } else if cmd
                .as_deref()
                .and_then(Cmd::decode)
                .and_then(|c| c.as_int())
                == Some(x)
            {
                self.committed += 1;
            }
        }
        self.pending = still;
        Ok(())
    }
}

/// Assigns `k` random servers not yet in a group to group `g`.
fn assign_random<R: Raft>(t: &mut Tester<R>, of: &mut [Option<usize>], g: usize, k: usize) {
    for _ in 0..k {
        let free: Vec<usize> = (0..of.len()).filter(|&i| of[i].is_none()).collect();
        if free.is_empty() {
            return;
        }
        of[free[t.rand(free.len() as u64) as usize]] = Some(g);
    }
}

/// The live server that says it leads, with the highest term.
fn leader<R: Raft>(t: &Tester<R>) -> Option<usize> {
    (0..t.servers())
        .filter_map(|i| t.get_state(i).map(|(term, lead)| (term, lead, i)))
        .filter(|(_, lead, _)| *lead)
        .max_by_key(|(term, _, i)| (*term, std::cmp::Reverse(*i)))
        .map(|(_, _, i)| i)
}

fn to_fault(e: &Event, n: usize) -> Fault {
    let groups =
        || parse_groups(e.groups.as_deref().unwrap_or(""), n).expect("checked when parsed");
    let who = || e.who.clone().unwrap_or_default().trim().to_string();
    match e.action {
        Action::Partition => Fault::Partition(groups()),
        Action::OneWay => Fault::OneWay(groups()),
        Action::Crash => Fault::Crash(who()),
        Action::Restart => Fault::Restart(who()),
        Action::IsolateLeader => {
            Fault::Partition(vec![vec![Member::Leader(0)], vec![Member::Rest]])
        }
        Action::Clog => Fault::Clog(
            groups(),
            e.delay_ms.expect("checked"),
            e.for_ms.expect("checked"),
        ),
        Action::Heal => Fault::Heal,
    }
}
