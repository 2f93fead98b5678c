//! Cluster tests for labraft: a property test of the safety properties under
//! random delivery, loss, duplication, reordering, crashes and restarts, and
//! deterministic checks of the course's RPC budgets on a reliable network.

mod budgets;
mod safety;
mod sim;
