# raftlab: every target here works on a fresh clone with only rustup's stable
# toolchain installed (cargo fetches the crates).

.PHONY: test lint fmt doc bench

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

# Benchmarks: the bare simulator (events per second) and the whole suite
# (wall ms per seed), one core, release.
bench:
	cargo bench -p labrpc --locked
	cargo bench -p tester --locked
