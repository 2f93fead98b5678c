//! Applied values agree (State Machine Safety, §5.4.3): any index applied by
//! two servers, in any incarnations, has the same command. Kept by the
//! oracle itself, not read from the edition's apply records (which 2025
//! resets on every restart).

use super::{APPLIED_AGREE, Violation};
use crate::cmd::show;
use raftapi::Bytes;

/// The first command applied at each index, and by whom.
#[derive(Debug, Default)]
pub struct AppliedValues {
    first: Vec<Option<(Bytes, usize)>>,
}

impl AppliedValues {
    /// Server `server` applied `command` at `index` (a command, or one entry
    /// of an installed snapshot).
    pub fn observe(&mut self, server: usize, index: u64, command: &Bytes) -> Result<(), Violation> {
        let slot = index as usize;
        if self.first.len() <= slot {
            self.first.resize(slot + 1, None);
        }
        match &self.first[slot] {
            None => {
                self.first[slot] = Some((command.clone(), server));
                Ok(())
            }
            Some((first, _)) if first == command => Ok(()),
            Some((first, by)) => Err(Violation {
                check: APPLIED_AGREE,
                message: format!(
                    "index {index} applied as {} by S{by} but as {} by S{server}",
                    show(Some(first)),
                    show(Some(command))
                ),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_value_at_an_index_is_a_violation() {
        let mut a = AppliedValues::default();
        let one = Bytes::from(vec![1u8]);
        let two = Bytes::from(vec![2u8]);
        assert!(a.observe(0, 1, &one).is_ok());
        assert!(a.observe(1, 1, &one).is_ok());
        assert!(a.observe(1, 3, &two).is_ok());
        let v = a.observe(2, 1, &two).unwrap_err();
        assert_eq!(v.check, APPLIED_AGREE);
        assert!(
            v.message.starts_with("index 1 applied as "),
            "{}",
            v.message
        );
        assert!(v.message.contains("by S0 but as"), "{}", v.message);
    }
}
