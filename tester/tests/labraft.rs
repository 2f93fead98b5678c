//! The 28 tests on the reference Raft: `cargo test -p tester -- 3A`.

tester::raft_tests!(labraft::Raft);
