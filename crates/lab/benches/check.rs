//! What `--check-determinism` costs: `lab sweep "" --seeds N` plain and
//! checked, side by side, alternating, for several rounds, on the reference
//! Raft with the scenario files: `cargo bench -p lab --bench check`
//! (`BENCH_SEEDS`, default 20; `BENCH_ROUNDS`, default 3; `BENCH_FILTER`;
//! `BENCH_EDITION`). Each sweep's wall time, and its CPU time (the sweep
//! and its workers: this process's reaped children, from `/proc/self/stat`,
//! Linux only), then the checked/plain ratios of the fastest round (the
//! least disturbed by other work on the machine), of the medians, and the
//! median of the rounds' own ratios.
//! Figures only, never a timed assertion.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| default.to_string())
}

/// CPU time of this process's reaped children (`cutime` + `cstime`, fields
/// 16 and 17 of `/proc/self/stat`), which includes their own reaped
/// children: a sweep and its workers.
fn children_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = &stat[stat.rfind(')').map_or(0, |k| k + 1)..];
    let ticks: u64 = after_name
        .split_whitespace()
        .skip(13)
        .take(2)
        .filter_map(|f| f.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

/// One sweep: (wall, CPU).
fn sweep(args: &[String], check: bool) -> (Duration, Duration) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lab"));
    command
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if check {
        command.arg("--check-determinism");
    }
    let (cpu0, wall0) = (children_cpu(), Instant::now());
    let status = command.status().expect("lab runs");
    let (wall, cpu) = (wall0.elapsed(), children_cpu() - cpu0);
    assert_eq!(
        status.code(),
        Some(0),
        "the reference Raft passes, deterministic"
    );
    (wall, cpu)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let seeds = env_or("BENCH_SEEDS", "20");
    let rounds: usize = env_or("BENCH_ROUNDS", "3").parse().expect("BENCH_ROUNDS");
    let scenarios = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");
    let args: Vec<String> = [
        "--scenarios",
        scenarios,
        "sweep",
        &env_or("BENCH_FILTER", ""),
        "--seeds",
        &seeds,
        "--edition",
        &env_or("BENCH_EDITION", "2026"),
    ]
    .map(String::from)
    .to_vec();
    println!(
        "lab {} (plain, then --check-determinism), {rounds} rounds",
        args[2..].join(" ")
    );
    println!("round   plain wall s  plain CPU s   checked wall s  checked CPU s   wall x   CPU x");
    let mut rows = Vec::new();
    for round in 1..=rounds {
        let (pw, pc) = sweep(&args, false);
        let (cw, cc) = sweep(&args, true);
        let (pw, pc, cw, cc) = (
            pw.as_secs_f64(),
            pc.as_secs_f64(),
            cw.as_secs_f64(),
            cc.as_secs_f64(),
        );
        println!(
            "{round:>5} {pw:>14.2} {pc:>12.2} {cw:>16.2} {cc:>14.2} {:>8.2} {:>7.2}",
            cw / pw,
            cc / pc.max(1e-9)
        );
        rows.push((pw, pc, cw, cc));
    }
    let column = |k: usize| {
        rows.iter()
            .map(|r| [r.0, r.1, r.2, r.3][k])
            .collect::<Vec<_>>()
    };
    let least = |k: usize| column(k).into_iter().fold(f64::INFINITY, f64::min);
    println!(
        "fastest: checked/plain wall {:.2}x, CPU {:.2}x",
        least(2) / least(0),
        least(3) / least(1).max(1e-9)
    );
    println!(
        "median:  checked/plain wall {:.2}x, CPU {:.2}x",
        median(column(2)) / median(column(0)),
        median(column(3)) / median(column(1)).max(1e-9)
    );
    // Each round's two sweeps ran back to back, under about the same load
    // from the machine's other work: the ratios of one round are the least
    // disturbed by that load's drift across rounds.
    let ratios = |a: usize, b: usize| {
        median(
            rows.iter()
                .map(|r| [r.0, r.1, r.2, r.3][b] / [r.0, r.1, r.2, r.3][a].max(1e-9))
                .collect(),
        )
    };
    println!(
        "median of the rounds' ratios: wall {:.2}x, CPU {:.2}x",
        ratios(0, 2),
        ratios(1, 3)
    );
}
