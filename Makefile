# raftlab: every target here works on a fresh clone with only rustup's stable
# toolchain installed (cargo fetches the crates).

.PHONY: test lint fmt doc bench sweep mutants

# The project's tests: formatting, lints, docs, then every test in release
# mode (the simulated suites run much faster optimised).
test: lint doc
	cargo test --workspace --release --locked

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

fmt:
	cargo fmt --all

doc:
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

# Benchmarks: the bare simulator (events per second), the whole suite
# (wall ms per seed), one core, release; and a checked sweep against a
# plain one (--check-determinism), side by side.
bench:
	cargo bench -p labrpc --locked
	cargo bench -p tester --locked
	cargo bench -p lab --bench check --locked

# The main job: every test of the suite and every scenario file on SEEDS
# seeds, in each edition (2026, the default, first), on the reference Raft,
# across all cores (2026: 135 s for 1000 seeds on 2 cores shared with other
# jobs).
# JSON results land in target/sweep-<edition>.json.
SEEDS ?= 1000
sweep:
	cargo build --release -p lab --locked
	target/release/lab sweep "" --seeds $(SEEDS) --edition 2026 --json target/sweep-2026.json
	target/release/lab sweep "" --seeds $(SEEDS) --edition 2025 --json target/sweep-2025.json
	target/release/lab sweep "" --seeds $(SEEDS) --edition 2024 --json target/sweep-2024.json

# The suite against each of labraft's injectable bugs, MUTANT_SEEDS seeds
# each (about 45 s for 100 on 2 cores): the table of docs/MUTANTS.md.
MUTANT_SEEDS ?= 100
mutants:
	cargo build --release -p lab --locked
	target/release/lab mutants --seeds $(MUTANT_SEEDS)
