# raftlab: every target here works on a fresh clone with rustup's stable
# toolchain, node and npm installed (cargo fetches the crates; `make test`
# installs Debian's Chromium and the pinned playwright-core for the browser
# tests of the HTML timelines).

.PHONY: test lint fmt doc bench sweep mutants browser-deps baseline compare-sweeps handout

# The project's tests: formatting, lints, docs, then every test in release
# mode (the simulated suites run much faster optimised), the browser tests
# included (crates/lab/tests/browser: they fail, never skip, without Chromium).
test: browser-deps lint doc
	cargo test --workspace --release --locked

# Chromium (apt-get) and browser-tests/node_modules (npm ci); idempotent.
browser-deps:
	scripts/install-browser-deps

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

fmt:
	cargo fmt --all

doc:
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

# Benchmarks, one core, release: the bare simulator (events per second, ns
# per event), the suite's CPU ms per seed against that bare cost (lab bench:
# the ratio of docs/RESULTS.md), and the suite's wall ms per seed per test;
# then a checked sweep against a plain one (--check-determinism), side by
# side, on every core.
bench:
	cargo bench -p labrpc --locked
	cargo build --release -p lab --locked
	target/release/lab bench Test --seeds 20
	cargo bench -p tester --locked
	cargo bench -p lab --bench check --locked

# The main job: every test of the suite and every scenario file on SEEDS
# seeds, in each edition (2026, the default, first), on the reference Raft,
# across all cores (2026: 21 s for 1000 seeds on 2 idle cores, after the
# build).
# JSON results land in target/sweep-<edition>.json.
# Built with the `sweep` profile (release with fat LTO, Cargo.toml): the
# build takes a few minutes longer, every seed after it ~7 % fewer
# instructions. SWEEP_PROFILE=release reuses the tests' build instead.
SEEDS ?= 1000
SWEEP_PROFILE ?= sweep
SWEEP_LAB = target/$(SWEEP_PROFILE)/lab
sweep:
	cargo build --profile $(SWEEP_PROFILE) -p lab --locked
	$(SWEEP_LAB) sweep "" --seeds $(SEEDS) --edition 2026 --json target/sweep-2026.json
	$(SWEEP_LAB) sweep "" --seeds $(SEEDS) --edition 2025 --json target/sweep-2025.json
	$(SWEEP_LAB) sweep "" --seeds $(SEEDS) --edition 2024 --json target/sweep-2024.json

# The suite against each of labraft's injectable bugs, MUTANT_SEEDS seeds
# each (about 45 s for 100 on 2 cores): the table of docs/MUTANTS.md.
MUTANT_SEEDS ?= 100
mutants:
	cargo build --profile $(SWEEP_PROFILE) -p lab --locked
	$(SWEEP_LAB) mutants --seeds $(MUTANT_SEEDS)

# The trace-hash contract: the three editions swept on COMPARE_SEEDS seeds (28
# tests + scenario files), every run compared with BASELINE/sweep-<edition>.json
# (made by `make baseline BASELINE=DIR` on the commit to compare against):
# trace hashes, event counts and verdicts must be identical.
COMPARE_SEEDS ?= 100
baseline:
	@test -n "$(BASELINE)" || { echo "usage: make baseline BASELINE=DIR"; exit 2; }
	cargo build --release -p lab --locked
	mkdir -p $(BASELINE)
	-target/release/lab sweep "" --seeds $(COMPARE_SEEDS) --edition 2026 --json $(BASELINE)/sweep-2026.json > $(BASELINE)/sweep-2026.log
	-target/release/lab sweep "" --seeds $(COMPARE_SEEDS) --edition 2025 --json $(BASELINE)/sweep-2025.json > $(BASELINE)/sweep-2025.log
	-target/release/lab sweep "" --seeds $(COMPARE_SEEDS) --edition 2024 --json $(BASELINE)/sweep-2024.json > $(BASELINE)/sweep-2024.log

compare-sweeps:
	@test -n "$(BASELINE)" || { echo "usage: make compare-sweeps BASELINE=DIR (with sweep-2024.json, sweep-2025.json, sweep-2026.json)"; exit 2; }
	cargo build --release -p lab --locked
	-target/release/lab sweep "" --seeds $(COMPARE_SEEDS) --edition 2026 --json target/compare-2026.json > target/compare-2026.log
	-target/release/lab sweep "" --seeds $(COMPARE_SEEDS) --edition 2025 --json target/compare-2025.json > target/compare-2025.log
	-target/release/lab sweep "" --seeds $(COMPARE_SEEDS) --edition 2024 --json target/compare-2024.json > target/compare-2024.log
	target/release/compare-sweeps $(BASELINE)/sweep-2025.json target/compare-2025.json
	target/release/compare-sweeps $(BASELINE)/sweep-2024.json target/compare-2024.json
	target/release/compare-sweeps $(BASELINE)/sweep-2026.json target/compare-2026.json

# What a student gets, without the reference Raft (labraft): raftapi,
# labcodec, labrpc, tester, lab (with `lab new` and its starter crate), the
# scenario files, a README and docs/STUDENTS.md, as a workspace of its own
# in DIR (new or empty). See tools/handout/export.sh; `.ci/handout` checks it.
handout:
	tools/handout/export.sh "$(DIR)"
