//! A bid's states live with every other state type in `domain::state`; this path stays for
//! the code that names it here.

pub use super::state::BidStatus;
