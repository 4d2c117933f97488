//! Pure rules: no I/O, no clock, no database. Everything here is unit-tested.

pub mod account;
pub mod audit;
pub mod calendar;
pub mod money;
pub mod region;
pub mod text;
pub mod uscc;

pub use money::Money;
pub use region::RegionCode;
pub use uscc::Uscc;
