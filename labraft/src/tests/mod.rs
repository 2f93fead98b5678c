//! Unit tests: one input, exact effects, one rule of the paper per test.
