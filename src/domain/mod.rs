//! Pure rules: no I/O, no clock, no database. Everything here is unit-tested.

pub mod account;
pub mod aftercare;
pub mod allocation;
pub mod audit;
pub mod award;
pub mod bid;
pub mod budget;
pub mod calendar;
pub mod call;
pub mod capitals;
pub mod checklist;
pub mod dossier;
pub mod draw;
pub mod export;
pub mod fund;
pub mod milestone;
pub mod money;
pub mod org_documents;
pub mod outbox;
pub mod password_policy;
pub mod password_reset;
pub mod region;
pub mod repeat;
pub mod replay;
pub mod scoring;
pub mod stages;
pub mod standing;
pub mod state;
pub mod text;
pub mod tranche;
pub mod upload;
pub mod uscc;

pub use money::Money;
pub use region::RegionCode;
pub use uscc::Uscc;
