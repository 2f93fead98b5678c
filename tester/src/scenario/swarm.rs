//! Swarm testing: a `[swarm]` file gives ranges; each seed draws one concrete
//! scenario from them (cluster size, drops and delays, which fault kinds and
//! how often). The draw uses its own stream, so the run itself is the run of
//! the concrete scenario, which can be written out as TOML and replayed.

use super::format::{Generator, NetworkSpec, Profile, Scenario, Swarm, Weights};
use labrpc::{SimRng, Streams};
use toml::Spanned;

/// The label of the swarm's own random stream.
const SWARM_LABEL: u64 = 0x0053_5741_524d;

/// The fault kinds `partition_kinds` may name.
pub const KINDS: [&str; 6] = [
    "partition",
    "leader_plus_one",
    "isolate_leader",
    "one_way",
    "clog",
    "heal",
];

/// Checks a `[swarm]` table: (field, message) on error.
pub fn check(s: &Swarm) -> Result<(), (&'static str, String)> {
    if s.servers.is_empty() || s.servers.iter().any(|&n| !(1..=15).contains(&n)) {
        return Err(("servers", "expected sizes in 1..=15, at least one".into()));
    }
    for (field, [lo, hi], max) in [
        ("drop_per_mille", s.drop_per_mille, 1000),
        ("max_delay_ms", s.max_delay_ms, 60_000),
        ("gap_ms", s.gap_ms, 600_000),
    ] {
        if lo > hi || hi > max {
            return Err((field, format!("[{lo}, {hi}]: expected lo <= hi <= {max}")));
        }
    }
    if s.gap_ms[0] == 0 {
        return Err(("gap_ms", "gaps must be positive".into()));
    }
    if s.crash_weight[0] > s.crash_weight[1] {
        return Err(("crash_weight", "expected [lo, hi] with lo <= hi".into()));
    }
    for (field, p) in [
        ("reordering_percent", s.reordering_percent),
        ("snapshot_percent", s.snapshot_percent),
    ] {
        if p > 100 {
            return Err((field, format!("{p} is over 100")));
        }
    }
    if s.partition_kinds.is_empty() {
        return Err(("partition_kinds", "name at least one kind".into()));
    }
    for k in &s.partition_kinds {
        if !KINDS.contains(&k.as_str()) {
            return Err((
                "partition_kinds",
                format!("unknown kind '{k}': expected one of {}", KINDS.join(", ")),
            ));
        }
    }
    Ok(())
}

/// The concrete scenario seed `seed` (the test's simulator seed) draws from
/// the swarm file `file`, and a line saying what it drew.
pub fn draw(file: &Scenario, seed: u64) -> (Scenario, String) {
    let s = file.swarm.as_ref().expect("a swarm file");
    let mut rng = SimRng::from_seed(Streams::new(seed).seed_for(&[SWARM_LABEL]));
    let pick = |rng: &mut SimRng, [lo, hi]: [u64; 2]| lo + rng.below(hi - lo + 1);
    let servers = s.servers[rng.below(s.servers.len() as u64) as usize];
    let network = NetworkSpec {
        profile: Profile::Custom,
        long_reordering: rng.below(100) < s.reordering_percent,
        request_drop_per_mille: Some(pick(&mut rng, s.drop_per_mille)),
        reply_drop_per_mille: Some(pick(&mut rng, s.drop_per_mille)),
        max_delay_ms: Some(pick(&mut rng, s.max_delay_ms)),
        ..NetworkSpec::default()
    };
    let snapshot = rng.below(100) < s.snapshot_percent;
    let mut weights = Weights::default();
    for kind in KINDS {
        let w = if s.partition_kinds.iter().any(|k| k == kind) {
            rng.below(4) as u32
        } else {
            0
        };
        set_weight(&mut weights, kind, w);
    }
    let [clo, chi] = s.crash_weight;
    weights.crash = pick(&mut rng, [u64::from(clo), u64::from(chi)]) as u32;
    weights.restart = weights.crash;
    if weights.named().iter().all(|(_, w)| *w == 0) {
        weights.heal = 1;
    }
    let a = pick(&mut rng, s.gap_ms);
    let b = pick(&mut rng, s.gap_ms);
    let generator = Generator {
        min_gap_ms: a.min(b),
        max_gap_ms: a.max(b),
        from_ms: 0,
        until_ms: None,
        max_crashed: None,
        clog_max_delay_ms: 300,
        clog_max_for_ms: 2000,
        weights,
    };
    let concrete = Scenario {
        servers: Some(servers),
        snapshot,
        network,
        swarm: None,
        events: Vec::new(),
        generators: vec![Spanned::new(0..0, generator)],
        ..file.clone()
    };
    let line = describe(&concrete);
    (concrete, line)
}

fn set_weight(w: &mut Weights, kind: &str, value: u32) {
    match kind {
        "partition" => w.partition = value,
        "leader_plus_one" => w.leader_plus_one = value,
        "isolate_leader" => w.isolate_leader = value,
        "one_way" => w.one_way = value,
        "clog" => w.clog = value,
        "heal" => w.heal = value,
        other => unreachable!("checked kind {other}"),
    }
}

/// One line with every drawn parameter.
pub fn describe(s: &Scenario) -> String {
    let net = &s.network;
    let g = s.generators.first().map(|g| g.get_ref());
    let weights = g.map_or(String::new(), |g| {
        g.weights
            .named()
            .iter()
            .filter(|(_, w)| *w > 0)
            .map(|(k, w)| format!("{k}={w}"))
            .collect::<Vec<_>>()
            .join(",")
    });
    format!(
        "swarm drew: servers={} snapshot={} request_drop={} reply_drop={} max_delay_ms={} long_reordering={} gap_ms={}..{} weights={weights}",
        s.servers.unwrap_or(0),
        s.snapshot,
        net.request_drop_per_mille.unwrap_or(0),
        net.reply_drop_per_mille.unwrap_or(0),
        net.max_delay_ms.unwrap_or(0),
        net.long_reordering,
        g.map_or(0, |g| g.min_gap_ms),
        g.map_or(0, |g| g.max_gap_ms),
    )
}
