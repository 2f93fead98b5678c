#!/usr/bin/env bash
# `make handout DIR=...`: export what a student gets, without the reference
# Raft. The handout is a workspace of its own that builds and tests by itself:
#
#   raftapi, labcodec, labrpc, tester   the seam, the codec, the simulator, the tests
#   labtrace, labvis                    a run as events; its timeline (HTML, Perfetto)
#   lab                                 the command line, `lab new` and its starter crate
#   scenarios/                          the scenario files
#   README.md                           the handout's (tools/handout/HANDOUT-README.md)
#   docs/STUDENTS.md, DIFFERENCES.md    the Go lab mapped to this one; where the port differs
#
# Left out: labraft (the staff's solution), and what needs it: lab's
# `reference` feature (the reference Raft, `--raft bug:NAME`, `lab mutants`)
# and its source files, tester's integration tests and benchmark, lab's CLI
# tests; also the staff's CI, tools, Makefile and result tables. Manifest
# lines that name labraft end in `# staff-only`, or sit between `# staff-only
# {` and `# } staff-only`, and are dropped here.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-}
if [ -z "$dir" ]; then
    echo "error: usage: make handout DIR=path (a new or empty directory)" >&2
    exit 2
fi
if [ -e "$dir" ] && [ ! -d "$dir" ]; then
    echo "error: $dir exists and is not a directory" >&2
    exit 2
fi
if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
    echo "error: $dir is not empty: the handout goes into a new or empty directory" >&2
    exit 2
fi

# Everything tracked (and new, not ignored) except what is staff-only: new
# crates the lab grows land in the handout by default, and `.ci/handout`
# checks that it still builds and passes its tests without labraft.
staff_only=(
    labraft/ .ci/ tools/ Makefile README.md docs/MUTANTS.md docs/RESULTS.md
    scripts/ browser-tests/ crates/lab/tests/browser/
    crates/lab/src/builtin.rs crates/lab/src/injected.rs
    crates/lab/src/mutants.rs crates/lab/src/planted.rs
    tester/tests/ tester/benches/
)
# A test file that needs the reference Raft opens with this line (it then
# compiles to nothing without the feature) and is left out of the handout.
needs_reference='#![cfg(feature = "reference")]'

is_staff_only() {
    local file=$1 prefix
    for prefix in "${staff_only[@]}"; do
        case "$file" in "$prefix"*) return 0 ;; esac
    done
    return 1
}

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
cd "$root"
# Tracked and new (not ignored) files, as they are in the working tree.
git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' file; do
        if is_staff_only "$file" || [ ! -f "$file" ]; then
            continue
        fi
        if [[ "$file" == */tests/*.rs ]] && grep -qxF "$needs_reference" "$file"; then
            continue
        fi
        mkdir -p "$dir/$(dirname "$file")"
        cp -p "$file" "$dir/$file"
    done
cp tools/handout/HANDOUT-README.md "$dir/README.md"
find "$dir" -name Cargo.toml -exec sed -i -e '/^# staff-only {$/,/^# } staff-only$/d' -e '/# staff-only$/d' {} +

# The lockfile keeps the versions raftlab was tested with, less labraft's
# entries (no network needed when cargo's cache holds the crates).
(cd "$dir" && { cargo metadata --format-version 1 --offline >/dev/null 2>&1 ||
    cargo metadata --format-version 1 >/dev/null; })

if grep -rqs labraft "$dir" --include=Cargo.toml --include=Cargo.lock; then
    echo "error: the handout's manifests still name labraft:" >&2
    grep -rn labraft "$dir" --include=Cargo.toml --include=Cargo.lock >&2
    exit 1
fi
echo "handout in $dir: $(find "$dir" -type f | wc -l) files, no labraft"
