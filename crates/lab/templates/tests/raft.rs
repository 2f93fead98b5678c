//! The course's 28 tests (3A-3D) on this crate's Raft, under their Go names:
//! `cargo test -- 3A`, `cargo test -- TestBackup3B` (see README.md).

tester::raft_tests!({{crate}}::Raft);
